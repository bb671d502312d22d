package io.xiaozhi.pipeline.gateway.downlink;

import static io.xiaozhi.pipeline.gateway.downlink.RecordingSink.packets;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DownlinkPacerTest {

    private static final long T0 = 10_000;

    private final ManualScheduler scheduler = new ManualScheduler(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DownlinkMetrics metrics = new DownlinkMetrics(registry);
    private final RecordingSink sink = new RecordingSink(scheduler);
    private final DownlinkPacer pacer = pacer(sink, PacingSettings.DEFAULTS);

    private DownlinkPacer pacer(RecordingSink to, PacingSettings settings) {
        return new DownlinkPacer(to, to, scheduler, settings, metrics);
    }

    private static TurnPiece.SentenceText text(int seq, String text, boolean last) {
        return new TurnPiece.SentenceText(seq, text, last);
    }

    private static TurnPiece.AudioChunk chunk(int seq, int chunk, boolean last, int firstId, int count) {
        return new TurnPiece.AudioChunk(seq, chunk, last, packets(firstId, count));
    }

    private static RecordingSink.Sent at(long offset, String what) {
        return new RecordingSink.Sent(T0 + offset, what);
    }

    private double counter(String name) {
        return registry.find(name).counter().count();
    }

    @Test
    void playsAnInOrderTurnWithPrebufferThenOnePacketPerFrameThenStopAfterTheQueueDrains() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "Hello.", false));
        pacer.accept("t1", chunk(0, 0, true, 0, 8));
        pacer.accept("t1", text(1, "Bye.", true));
        pacer.accept("t1", chunk(1, 0, true, 8, 4));

        scheduler.advanceBy(5_000);

        assertThat(sink.sent()).containsExactly(
                at(0, "start"), at(0, "sentence:Hello."),
                at(0, "packet:0"), at(0, "packet:1"), at(0, "packet:2"), at(0, "packet:3"), at(0, "packet:4"),
                at(60, "packet:5"), at(120, "packet:6"), at(180, "packet:7"),
                at(240, "sentence:Bye."), at(240, "packet:8"),
                at(300, "packet:9"), at(360, "packet:10"), at(420, "packet:11"),
                at(420 + 7 * 60, "stop"));
        assertThat(pacer.turnStats()).isEqualTo(new TurnStats("t1", TurnOutcome.COMPLETED, 12, 0, 0, null));
        assertThat(counter("xiaozhi.downlink.packets")).isEqualTo(12);
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void stopDelayIsConfigurable() {
        DownlinkPacer quick = pacer(sink, PacingSettings.DEFAULTS.withStopDelayMillis(300));
        quick.beginTurn("t1");
        quick.accept("t1", text(0, "Hi.", true));
        quick.accept("t1", chunk(0, 0, true, 0, 7));

        scheduler.advanceBy(5_000);

        assertThat(sink.last()).isEqualTo(at(120 + 300, "stop"));
    }

    @Test
    void sendsNothingBeforeTtsStartAndStartsOnlyWhenTheFirstOutputIsReady() {
        assertThat(pacer.accept("t1", text(0, "Before the turn began.", true))).isEqualTo(Acceptance.DROPPED);
        pacer.beginTurn("t1");
        pacer.accept("t1", chunk(0, 0, false, 0, 3));
        pacer.accept("t1", text(1, "Second.", true));
        pacer.accept("t1", chunk(1, 0, true, 10, 3));
        scheduler.advanceBy(500);
        assertThat(sink.sent()).as("sentence 0 has audio but no text yet").isEmpty();

        pacer.accept("t1", text(0, "First.", false));

        assertThat(sink.sent().get(0)).isEqualTo(new RecordingSink.Sent(T0 + 500, "start"));
        assertThat(sink.sent().get(1).what()).isEqualTo("sentence:First.");
    }

    @Test
    void reordersOutOfOrderSentencesAndChunks() {
        pacer.beginTurn("t1");
        pacer.accept("t1", chunk(2, 0, true, 20, 2));
        pacer.accept("t1", text(2, "Three.", true));
        pacer.accept("t1", chunk(1, 1, true, 12, 2));
        pacer.accept("t1", text(1, "Two.", false));
        pacer.accept("t1", chunk(0, 1, true, 2, 2));
        pacer.accept("t1", chunk(1, 0, false, 10, 2));
        assertThat(sink.sent()).isEmpty();
        pacer.accept("t1", chunk(0, 0, false, 0, 2));
        pacer.accept("t1", text(0, "One.", false));

        scheduler.advanceBy(5_000);

        assertThat(sink.whats()).containsExactly("start", "sentence:One.", "packet:0", "packet:1", "packet:2", "packet:3",
                "sentence:Two.", "packet:10", "packet:11", "packet:12", "packet:13",
                "sentence:Three.", "packet:20", "packet:21", "stop");
        assertThat(sink.packetTimes()).containsExactly(T0, T0, T0, T0, T0, T0 + 60, T0 + 120, T0 + 180, T0 + 240, T0 + 300);
    }

    @Test
    void redeliveredPiecesAreNotSentTwice() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "Once.", true));
        pacer.accept("t1", chunk(0, 0, false, 0, 3));
        scheduler.advanceBy(100);
        assertThat(pacer.accept("t1", chunk(0, 0, false, 0, 3))).isEqualTo(Acceptance.DUPLICATE);
        assertThat(pacer.accept("t1", text(0, "Once.", true))).isEqualTo(Acceptance.DUPLICATE);
        pacer.accept("t1", chunk(0, 1, true, 3, 3));
        assertThat(pacer.accept("t1", chunk(0, 1, true, 3, 3))).as("the turn is fully released").isEqualTo(Acceptance.DROPPED);

        scheduler.advanceBy(5_000);

        assertThat(sink.packetIds()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(sink.whats()).containsOnlyOnce("sentence:Once.", "stop");
        assertThat(registry.find("xiaozhi.downlink.pieces.dropped").tag("reason", "duplicate").counter().count()).isEqualTo(2);
    }

    @Test
    void failedAndEmptySentencesDoNotBlockTheOnesAfterThem() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "", false));
        pacer.accept("t1", text(2, "Survivor.", true));
        pacer.accept("t1", chunk(2, 0, true, 20, 2));
        scheduler.advanceBy(1_000);
        assertThat(sink.sent()).isEmpty();

        pacer.accept("t1", new TurnPiece.SentenceFailed(1, false, "tts 503"));
        scheduler.advanceBy(5_000);

        assertThat(sink.sent()).containsExactly(at(1_000, "start"), at(1_000, "sentence:Survivor."),
                at(1_000, "packet:20"), at(1_000, "packet:21"), at(1_000 + 7 * 60, "stop"));
    }

    @Test
    void turnWithoutAnyAudioStillStartsAndStops() {
        pacer.beginTurn("t1");
        pacer.accept("t1", new TurnPiece.SentenceFailed(0, true, "tts unavailable"));

        assertThat(sink.sent()).containsExactly(at(0, "start"), at(0, "stop"));
        assertThat(pacer.turnStats().outcome()).isEqualTo(TurnOutcome.COMPLETED);
    }

    @Test
    void lateBatchAfterAStallIsCountedLateAndBurstsNoMoreThanThePrebuffer() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "Slow.", true));
        pacer.accept("t1", chunk(0, 0, false, 0, 6));
        scheduler.advanceTo(T0 + 1_000);
        pacer.accept("t1", chunk(0, 1, true, 6, 20));
        scheduler.advanceBy(5_000);

        Map<Long, Long> packetsPerInstant = sink.packetTimes().stream()
                .collect(Collectors.groupingBy(time -> time, TreeMap::new, Collectors.counting()));
        assertThat(packetsPerInstant.values()).allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(5));
        assertThat(packetsPerInstant).containsEntry(T0, 5L).containsEntry(T0 + 60, 1L).containsEntry(T0 + 1_000, 5L);
        List<Long> afterRestart = sink.packetTimes().subList(11, 26);
        for (int i = 0; i < afterRestart.size(); i++) {
            assertThat(afterRestart.get(i)).isEqualTo(T0 + 1_000 + (i + 1) * 60L);
        }
        TurnStats stats = pacer.turnStats();
        assertThat(stats.latePackets()).isEqualTo(1);
        assertThat(stats.maxLatenessMillis()).as("packet 6 was due at t0 + 120").isEqualTo(880);
        assertThat(counter("xiaozhi.downlink.packets.late")).isEqualTo(1);
        assertThat(sink.last()).isEqualTo(at(1_000 + 15 * 60 + 7 * 60, "stop"));
    }

    @Test
    void producerSlowerThanRealTimeIsSentAsItComesAndCountedLate() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "Trickle.", true));
        List<Long> arrivals = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            scheduler.advanceTo(T0 + k * 90L);
            arrivals.add(scheduler.nowMillis());
            pacer.accept("t1", chunk(0, k, k == 39, k, 1));
        }
        scheduler.advanceBy(5_000);

        assertThat(sink.packetTimes()).isEqualTo(arrivals);
        TurnStats stats = pacer.turnStats();
        assertThat(stats.latePackets()).isPositive().isLessThan(40);
        assertThat(counter("xiaozhi.downlink.packets.late")).isEqualTo(stats.latePackets());
    }

    @Test
    void abortStopsAtOnceAndDropsLaterPiecesOfTheTurn() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "A long answer.", false));
        pacer.accept("t1", chunk(0, 0, true, 0, 30));
        scheduler.advanceTo(T0 + 330);
        int sentBefore = sink.packetIds().size();
        assertThat(sentBefore).isEqualTo(10);

        assertThat(pacer.abort()).isTrue();

        assertThat(sink.last()).isEqualTo(at(330, "stop"));
        assertThat(pacer.accept("t1", text(1, "More.", true))).isEqualTo(Acceptance.DROPPED);
        assertThat(pacer.accept("t1", chunk(1, 0, true, 100, 5))).isEqualTo(Acceptance.DROPPED);
        scheduler.advanceBy(10_000);
        assertThat(sink.packetIds()).hasSize(sentBefore);
        assertThat(sink.whats()).containsOnlyOnce("stop");
        assertThat(pacer.bufferedPackets()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(pacer.turnStats().outcome()).isEqualTo(TurnOutcome.ABORTED);
        assertThat(pacer.abort()).as("nothing left to abort").isFalse();
    }

    @Test
    void newTurnReplacesAnActiveOneAndTheOldTurnsPiecesAreDropped() {
        pacer.beginTurn("t1");
        pacer.accept("t1", text(0, "Old.", true));
        pacer.accept("t1", chunk(0, 0, false, 0, 10));
        scheduler.advanceTo(T0 + 100);

        pacer.beginTurn("t2");
        assertThat(sink.last()).isEqualTo(at(100, "stop"));
        assertThat(pacer.accept("t1", chunk(0, 1, true, 10, 5))).isEqualTo(Acceptance.DROPPED);
        pacer.accept("t2", text(0, "New.", true));
        pacer.accept("t2", chunk(0, 0, true, 50, 1));
        scheduler.advanceBy(5_000);

        assertThat(sink.packetIds()).containsExactly(0, 1, 2, 3, 4, 5, 50);
        assertThat(sink.whats().subList(sink.whats().indexOf("sentence:New.") - 1, sink.whats().size()))
                .containsExactly("start", "sentence:New.", "packet:50", "stop");
    }

    @Test
    void longTurnDoesNotDriftUnderSchedulerJitter() {
        DownlinkPacer roomy = pacer(sink, PacingSettings.DEFAULTS.withMaxBufferedPackets(2_000));
        Random random = new Random(42);
        scheduler.jitter(due -> random.nextInt(50));
        roomy.beginTurn("t1");
        roomy.accept("t1", text(0, "A very long story.", true));
        for (int c = 0; c < 10; c++) {
            roomy.accept("t1", chunk(0, c, c == 9, c * 100, 100));
        }

        scheduler.advanceBy(70_000);

        List<Long> times = sink.packetTimes();
        assertThat(times).hasSize(1_000);
        for (int k = 0; k < 1_000; k++) {
            long due = T0 + Math.max(0, k - 4) * 60L;
            assertThat(times.get(k)).as("packet %d", k).isBetween(due, due + 49);
        }
        assertThat(roomy.turnStats().latePackets()).isZero();
        long lastDue = T0 + 995 * 60L;
        assertThat(sink.last().what()).isEqualTo("stop");
        assertThat(sink.last().atMillis()).isBetween(lastDue + 420, lastDue + 420 + 49);
    }

    @Test
    void turnThatWouldBufferTooMuchAudioFailsWithStopInsteadOfGrowing() {
        DownlinkPacer bounded = pacer(sink, PacingSettings.DEFAULTS.withMaxBufferedPackets(50));
        bounded.beginTurn("t1");
        bounded.accept("t1", text(0, "Fast producer.", true));
        Acceptance acceptance = Acceptance.ACCEPTED;
        int chunks = 0;
        while (acceptance == Acceptance.ACCEPTED) {
            assertThat(bounded.bufferedPackets()).isLessThanOrEqualTo(50);
            acceptance = bounded.accept("t1", chunk(0, chunks, false, chunks * 10, 10));
            chunks++;
        }

        assertThat(acceptance).isEqualTo(Acceptance.TURN_FAILED);
        assertThat(chunks).as("5 packets went out at once, 50 more fit").isEqualTo(6);
        assertThat(sink.last()).isEqualTo(at(0, "stop"));
        TurnStats stats = bounded.turnStats();
        assertThat(stats.outcome()).isEqualTo(TurnOutcome.FAILED);
        assertThat(stats.failureReason()).contains("more than 50 audio packets");
        assertThat(bounded.bufferedPackets()).isZero();
        scheduler.advanceBy(10_000);
        assertThat(sink.packetIds()).hasSize(5);
        assertThat(registry.find("xiaozhi.downlink.turns").tag("outcome", "failed").counter().count()).isEqualTo(1);
    }

    @Test
    void sessionsAreIndependent() {
        RecordingSink sinkA = new RecordingSink(scheduler);
        RecordingSink sinkB = new RecordingSink(scheduler);
        DownlinkPacer a = pacer(sinkA, PacingSettings.DEFAULTS);
        DownlinkPacer b = pacer(sinkB, PacingSettings.DEFAULTS);
        DownlinkPacer broken = new DownlinkPacer(new DeviceSink() {
            @Override
            public void sendJson(String json) {
            }

            @Override
            public void sendAudio(byte[] packet) {
                throw new IllegalStateException("socket closed");
            }
        }, sinkA, scheduler, PacingSettings.DEFAULTS, metrics);

        broken.beginTurn("x");
        broken.accept("x", text(0, "Nobody hears this.", true));
        broken.accept("x", chunk(0, 0, true, 0, 20));
        a.beginTurn("a");
        a.accept("a", text(0, "A stalls.", true));
        a.accept("a", chunk(0, 0, false, 0, 6));
        scheduler.advanceTo(T0 + 30);
        b.beginTurn("b");
        b.accept("b", text(0, "B flows.", true));
        b.accept("b", chunk(0, 0, true, 100, 20));
        scheduler.advanceTo(T0 + 2_000);
        a.accept("a", chunk(0, 1, true, 6, 2));
        a.abort();
        scheduler.advanceBy(5_000);

        List<Long> expectedB = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            expectedB.add(T0 + 30 + Math.max(0, k - 4) * 60L);
        }
        assertThat(sinkB.packetTimes()).isEqualTo(expectedB);
        assertThat(sinkB.last()).isEqualTo(at(30 + 15 * 60 + 7 * 60, "stop"));
        assertThat(b.turnStats().outcome()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(broken.turnStats().outcome()).isEqualTo(TurnOutcome.FAILED);
        assertThat(broken.turnStats().failureReason()).contains("socket closed");
        assertThat(sinkA.packetIds()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(a.turnStats().outcome()).isEqualTo(TurnOutcome.ABORTED);
    }
}
