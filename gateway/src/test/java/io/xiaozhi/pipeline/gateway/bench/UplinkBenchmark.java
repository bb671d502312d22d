package io.xiaozhi.pipeline.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import io.xiaozhi.pipeline.gateway.audio.SileroModel;
import io.xiaozhi.pipeline.gateway.audio.TestAudio;
import io.xiaozhi.pipeline.gateway.audio.UtteranceSettings;
import io.xiaozhi.pipeline.gateway.protocol.BadInputLog;
import io.xiaozhi.pipeline.gateway.session.SessionServices;
import io.xiaozhi.pipeline.gateway.session.TestSessions;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * CPU per concurrently speaking device on the gateway's uplink path: K {@code DeviceSession}s in
 * {@code listen start} (manual mode, so no turn is published) each receive the JFK recording,
 * Opus-encoded once at 16 kHz and looped, as protocol v1 binary frames at real-time pace (one 60 ms
 * packet per device every 60 ms). Each frame goes through the session as a socket frame does: frame
 * decode, Opus decode, Silero VAD (the production default) and the utterance detector. Over a fixed
 * wall time after a warm-up it reports the process CPU time (all threads of this JVM: feeders, JIT,
 * GC; no Kafka broker runs here) and the feeder threads' CPU, per second per speaking device, and
 * the speaking devices one core would sustain at that cost. WebSocket I/O is not included. A first,
 * unreported round of {@value #WARM_UP_SPEAKERS} speakers warms the JIT.
 *
 * <p>Not part of the test run. Run it with
 * {@code mvn -q -pl gateway -am test -Dtest=UplinkBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Options: {@code -Dbench.speakers=10,50} {@code -Dbench.reps=3} {@code -Dbench.seconds=20}
 * {@code -Dbench.warmUpSeconds=5} {@code -Dbench.feeders=2}.
 */
@EnabledIfSystemProperty(named = "test", matches = ".*UplinkBenchmark.*")
class UplinkBenchmark {

    private static final int WARM_UP_SPEAKERS = 20;

    /** One measured round. */
    private record Round(long fed, double expected, double processMsPerSecond, double perSpeaker, double feederPerSpeaker) {
    }

    @Test
    void cpuPerSpeakingDevice() throws Exception {
        int[] levels = Arrays.stream(System.getProperty("bench.speakers", "10,50").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
        int reps = Integer.getInteger("bench.reps", 3);
        int seconds = Integer.getInteger("bench.seconds", 20);
        int warmUp = Integer.getInteger("bench.warmUpSeconds", 5);
        int feeders = Integer.getInteger("bench.feeders", 2);
        List<byte[]> packets = new OpusEncoding(16_000).encode(TestAudio.jfk());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<String> rows = new ArrayList<>();
        try (SileroModel silero = SileroModel.load()) {
            SessionServices base = TestSessions.services(meters);
            SessionServices services = new SessionServices(base.publisher(), base.admission(), silero::newVad,
                    UtteranceSettings.DEFAULTS, base.scheduler(), base.pacing(), base.downlinkMetrics(), meters, base.clock(),
                    base.wakeWords(), base.limits(), base.metrics(), base.tools(), base.registry(), base.vision(), base.prompts());
            round(WARM_UP_SPEAKERS, feeders, services, packets, warmUp, seconds);
            for (int speakers : levels) {
                List<Round> rounds = new ArrayList<>();
                for (int r = 0; r < reps; r++) {
                    rounds.add(round(speakers, feeders, services, packets, warmUp, seconds));
                }
                rows.add(row(speakers, rounds));
            }
        }
        double badInput = meters.find(BadInputLog.METER).counters().stream().mapToDouble(c -> c.count()).sum();
        System.out.printf(Locale.ROOT, "%nUplinkBenchmark (%d packets of JFK looped, Silero VAD, manual mode, %d feeder threads,"
                + " %d s warm-up and %d s measured per round, %d rounds per level, medians (min-max), %d cores)%n%n",
                packets.size(), feeders, warmUp, seconds, reps, Runtime.getRuntime().availableProcessors());
        System.out.println("| speakers | packets fed of expected (lowest) | process CPU ms/s | process CPU ms/s per speaker"
                + " | feeder threads' CPU ms/s per speaker | speakers per core (process CPU, median) |");
        System.out.println("|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        assertThat(badInput).as("bad input counted").isZero();
    }

    private static Round round(int speakers, int feeders, SessionServices services, List<byte[]> packets, int warmUp, int seconds)
            throws InterruptedException {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (SpeakingFleet fleet = new SpeakingFleet(speakers, feeders, services, packets)) {
            Thread.sleep(warmUp * 1000L);
            long fed0 = fleet.fed();
            long cpu0 = os.getProcessCpuTime();
            long feeder0 = fleet.feederCpuNanos();
            long wall0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double wallSeconds = (System.nanoTime() - wall0) / 1e9;
            double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
            double feederMs = (fleet.feederCpuNanos() - feeder0) / 1e6;
            long fed = fleet.fed() - fed0;
            assertThat(fleet.textsSent()).as("one server hello per session, nothing else").isEqualTo(speakers);
            double processMsPerSecond = cpuMs / wallSeconds;
            return new Round(fed, speakers * wallSeconds * 1000 / SpeakingFleet.PACKET_MILLIS, processMsPerSecond,
                    processMsPerSecond / speakers, feederMs / wallSeconds / speakers);
        }
    }

    private static String row(int speakers, List<Round> rounds) {
        double lowestFed = rounds.stream().mapToDouble(r -> 100.0 * r.fed() / r.expected()).min().orElse(Double.NaN);
        double perSpeaker = median(rounds.stream().mapToDouble(Round::perSpeaker).toArray());
        return String.format(Locale.ROOT, "| %d | %.1f %% | %s | %s | %s | %.0f |", speakers, lowestFed,
                spread(rounds.stream().mapToDouble(Round::processMsPerSecond).toArray(), "%.0f"),
                spread(rounds.stream().mapToDouble(Round::perSpeaker).toArray(), "%.2f"),
                spread(rounds.stream().mapToDouble(Round::feederPerSpeaker).toArray(), "%.2f"), 1000.0 / perSpeaker);
    }

    private static String spread(double[] values, String format) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, format + " (" + format + "-" + format + ")", median(sorted), sorted[0], sorted[sorted.length - 1]);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
