package io.xiaozhi.pipeline.loadtest.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.loadtest.fleet.FleetStats.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fleet against a scripted {@link FakeGateway}: what it sends, and what it measures. */
class FleetTest {

    /** 0.6 s of a tone: ten 60 ms packets. */
    static final Utterance SPEECH = Utterance.of(tone(9_600));

    private final FakeGateway gateway = new FakeGateway();
    private final ByteArrayOutputStream live = new ByteArrayOutputStream();

    @AfterEach
    void stop() {
        gateway.close();
    }

    static short[] tone(int samples) {
        short[] pcm = new short[samples];
        for (int i = 0; i < samples; i++) {
            pcm[i] = (short) (8_000 * Math.sin(2 * Math.PI * 300 * i / 16_000.0));
        }
        return pcm;
    }

    private FleetSettings settings(int devices, int turns, int protocolVersion, boolean manual, Duration turnTimeout) {
        return new FleetSettings(URI.create(gateway.url()), null, "", devices, protocolVersion, manual, Duration.ofMillis(100),
                Duration.ZERO, turns, Duration.ofMillis(50), turnTimeout, Duration.ofSeconds(1), Duration.ofMillis(65), "02:1a:7e");
    }

    private Fleet.Result run(FleetSettings settings) throws InterruptedException {
        return Fleet.run(settings, SPEECH, new PrintStream(live, true, StandardCharsets.UTF_8));
    }

    @Test
    void measuresEveryTurnOfEveryDevice() throws Exception {
        assertThat(SPEECH.speech()).hasSize(10);
        Fleet.Result result = run(settings(3, 2, 1, false, Duration.ofSeconds(10)));
        FleetStats stats = result.stats();

        assertThat(gateway.deviceIds).containsExactlyInAnyOrder("02:1a:7e:00:00:00", "02:1a:7e:00:00:01", "02:1a:7e:00:00:02");
        assertThat(gateway.protocolVersions).containsOnly("1");
        assertThat(gateway.listenStarts).hasValue(6);
        // ten packets of speech and at least the two of silence the fake waits for, per turn
        assertThat(gateway.audioPackets.get()).isGreaterThanOrEqualTo(6 * 12);
        assertThat(stats.turns(Outcome.OK)).isEqualTo(6);
        assertThat(stats.turns()).isEqualTo(6);
        assertThat(stats.connect().count()).isEqualTo(3);
        assertThat(stats.hello().count()).isEqualTo(3);
        assertThat(stats.stt().count()).isEqualTo(6);
        assertThat(stats.firstAudio().count()).isEqualTo(6);
        assertThat(stats.ttsStop().count()).isEqualTo(6);
        assertThat(stats.frames()).isEqualTo(60);
        assertThat(stats.frameGap().count()).isEqualTo(54);
        // two packets of silence (120 ms) before the fake answers: stt cannot come sooner
        assertThat(stats.stt().percentileMs(0.5)).isGreaterThanOrEqualTo(100);
        // the last frame 540 ms after the first, tts stop 100 ms later
        assertThat(stats.ttsStop().percentileMs(0.5) - stats.firstAudio().percentileMs(0.5)).isGreaterThanOrEqualTo(600);
        assertThat(stats.lateFrames()).isZero();
        assertThat(stats.errors()).isZero();
        assertThat(stats.connected()).isZero();
        assertThat(live.toString(StandardCharsets.UTF_8)).contains("turns ok 6 busy 0 timeout 0 error 0");
    }

    @Test
    void aStallCountsAsOneLateFrameAndTheGapShows() throws Exception {
        gateway.delayedFrame = 4;
        gateway.delayMs = 200;
        FleetStats stats = run(settings(2, 2, 1, false, Duration.ofSeconds(10))).stats();

        assertThat(stats.turns(Outcome.OK)).isEqualTo(4);
        assertThat(stats.frames()).isEqualTo(40);
        // frame 4 arrives 200 ms after its slot; the schedule restarts there, frames 5..9 are on time
        assertThat(stats.lateFrames()).isEqualTo(4);
        assertThat(stats.lateShare()).isEqualTo(0.1);
        assertThat(stats.frameGap().maxMs()).isGreaterThanOrEqualTo(250);
        assertThat(new Slo(null, 0.005, null).check(stats)).singleElement().satisfies(check -> {
            assertThat(check.met()).isFalse();
            assertThat(check.measured()).isEqualTo("10.00 %");
        });
    }

    @Test
    void speaksFramingV3InManualMode() throws Exception {
        gateway.answerAfterPackets = Integer.MAX_VALUE; // answers listen stop only
        FleetStats stats = run(settings(2, 1, 3, true, Duration.ofSeconds(10))).stats();

        assertThat(gateway.protocolVersions).containsOnly("3");
        assertThat(gateway.malformedPackets).hasValue(0);
        assertThat(gateway.audioPackets).as("the speech only: no silence in manual mode").hasValue(20);
        assertThat(stats.turns(Outcome.OK)).isEqualTo(2);
        assertThat(stats.frames()).isEqualTo(20);
        assertThat(stats.badFrames()).isZero();
    }

    @Test
    void busyAndTimeoutAreTheirOwnOutcomes() throws Exception {
        gateway.busy = true;
        FleetStats busy = run(settings(2, 1, 2, false, Duration.ofSeconds(10))).stats();
        assertThat(busy.turns(Outcome.BUSY)).isEqualTo(2);
        assertThat(busy.turns(Outcome.OK)).isZero();
        assertThat(busy.firstAudio().count()).isZero();
        assertThat(busy.errors()).isZero();
        assertThat(busy.busy().count()).as("the busy answers came after the speech ended: each is timed").isEqualTo(2);
        assertThat(busy.busy().maxMs()).isLessThan(5_000);
        assertThat(new Slo(null, null, null, Duration.ofSeconds(5), null).check(busy)).singleElement()
                .satisfies(check -> assertThat(check.met()).isTrue());
        assertThat(new Slo(null, null, null, Duration.ZERO, null).check(busy)).singleElement()
                .satisfies(check -> assertThat(check.met()).as("a busy answer takes more than 0 ms").isFalse());

        gateway.busy = false;
        gateway.silent = true;
        FleetStats silent = run(settings(1, 1, 1, false, Duration.ofMillis(400))).stats();
        assertThat(silent.turns(Outcome.TIMEOUT)).isEqualTo(1);
        assertThat(silent.errors()).isEqualTo(1);

        gateway.silent = false;
        gateway.apologise = true;
        FleetStats apology = run(settings(1, 2, 1, false, Duration.ofSeconds(10))).stats();
        assertThat(apology.turns(Outcome.ERROR)).isEqualTo(2);
        assertThat(apology.stt().count()).isEqualTo(2);
        assertThat(apology.errors()).isEqualTo(2);
    }

    @Test
    void aDurationEndsTheRunWithoutATurnCount() throws Exception {
        FleetSettings settings = new FleetSettings(URI.create(gateway.url()), null, "", 2, 1, false, Duration.ZERO, Duration.ofMillis(1500),
                0, Duration.ofMillis(50), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(65), "02:1a:7e");
        Fleet.Result result = run(settings);
        // a turn lasts about 0.72 s of audio up and 0.64 s of reply: each device starts one or two within 1.5 s
        assertThat(result.stats().turns(Outcome.OK)).isBetween(2L, 6L);
        assertThat(result.stats().errors()).isZero();
        assertThat(result.elapsed()).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void refusesSettingsThatCannotRun() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FleetSettings(URI.create("http://h/"), null, "", 1, 1, false,
                Duration.ZERO, Duration.ZERO, 1, Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(65), "02:00:00"))
                .hasMessageContaining("ws://");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FleetSettings(URI.create("ws://h/"), null, "", 0, 1, false,
                Duration.ZERO, Duration.ZERO, 1, Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(65), "02:00:00"))
                .hasMessageContaining("devices");
        assertThat(new FleetSettings(URI.create("ws://h/"), null, null, 1, 1, false, Duration.ZERO, Duration.ZERO, 1, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(65), "02:00:00").deviceId(258)).isEqualTo("02:00:00:00:01:02");
    }

    @Test
    void theReportHoldsPercentilesCountsAndTheChart() throws Exception {
        Fleet.Result result = run(settings(2, 1, 1, false, Duration.ofSeconds(10)));
        List<Slo.Check> checks = new Slo(Duration.ofSeconds(5), 0.005, 0L).check(result.stats());
        assertThat(checks).hasSize(3).allMatch(Slo.Check::met);

        JsonNode json = new ObjectMapper().readTree(FleetReport.jsonText(result, checks));
        assertThat(json.path("counts").path("ok").asLong()).isEqualTo(2);
        assertThat(json.path("config").path("devices").asInt()).isEqualTo(2);
        JsonNode firstAudio = json.path("latency_ms").path("end_of_speech_to_first_audio");
        assertThat(firstAudio.path("count").asLong()).isEqualTo(2);
        assertThat(firstAudio.path("p50").asLong()).isLessThanOrEqualTo(firstAudio.path("p99").asLong());
        assertThat(firstAudio.has("p90")).isTrue();
        assertThat(firstAudio.has("max")).isTrue();
        assertThat(json.path("frames").path("received").asLong()).isEqualTo(20);
        assertThat(json.path("slo").path("met").asBoolean()).isTrue();
        assertThat(json.path("first_audio_over_time")).hasSize(2);

        String html = FleetReport.html(result, checks);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("<circle").doesNotContain("http://cdn")
                .doesNotContain("<script");
    }
}
