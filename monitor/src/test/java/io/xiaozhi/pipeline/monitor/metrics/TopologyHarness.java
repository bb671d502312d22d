package io.xiaozhi.pipeline.monitor.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The metrics topology under {@code TopologyTestDriver}, configured from the shipped defaults plus
 * {@code overrides} (environment-variable style). The driver's wall clock starts at {@link #T0} and
 * follows the newest record piped in, as a live monitor's clock follows the snapshots it reads.
 */
public final class TopologyHarness implements AutoCloseable {

    /** A round start time: windows of any whole number of seconds up to 100 start on it. */
    public static final long T0 = 1_800_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Settings settings;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> metrics;
    private final TestInputTopic<String, byte[]> lag;
    private final TestOutputTopic<String, String> windows;
    private final TestOutputTopic<String, String> alerts;
    private final Path stateDir;
    private long wallClock = T0;

    public TopologyHarness(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(overrides);
        settings = ConfigLoader.load(Path.of("target", "no-data-dir"), env);
        try {
            stateDir = Files.createTempDirectory(Path.of("target"), "topology-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        MetricsTopics topics = MetricsTopics.defaults();
        driver = new TopologyTestDriver(MetricsTopology.build(settings.performance(), topics, meters), props, Instant.ofEpochMilli(T0));
        metrics = driver.createInputTopic(topics.metrics(), new StringSerializer(), new ByteArraySerializer());
        lag = driver.createInputTopic(topics.lag(), new StringSerializer(), new ByteArraySerializer());
        windows = driver.createOutputTopic(topics.windows(), new StringDeserializer(), new StringDeserializer());
        alerts = driver.createOutputTopic(topics.alerts(), new StringDeserializer(), new StringDeserializer());
    }

    public Settings settings() {
        return settings;
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    public void snapshot(SnapshotJson snapshot) {
        clockTo(snapshot.timestamp());
        metrics.pipeInput(snapshot.key(), snapshot.bytes(), snapshot.timestamp());
    }

    /** A raw value on the metrics topic (malformed input). */
    public void rawSnapshot(String key, byte[] value, long timestamp) {
        clockTo(timestamp);
        metrics.pipeInput(key, value, timestamp);
    }

    /** A StageLag value on the lag feed, with the stage's configured limits. */
    public void lag(String stage, long timestamp, long records, double seconds, String state, int members) {
        Stage id = Stage.valueOf(stage.toUpperCase(Locale.ROOT));
        PerformanceConfig.StageLimits limits = settings.performance().aiProviders().of(id);
        lag(new StageLag(id, "xiaozhi." + stage, "xiaozhi." + stage + ".requests", timestamp, records, seconds, LagState.valueOf(state),
                members, 1.0, 1.0, null, 1, limits.queueSize(), limits.maxConcurrent(), limits.timeout(), List.of()));
    }

    public void lag(StageLag lag) {
        rawLag(lag.stage().id(), StageLagJson.encode(lag), lag.timestamp());
    }

    public void rawLag(String key, byte[] value, long timestamp) {
        clockTo(timestamp);
        lag.pipeInput(key, value, timestamp);
    }

    /** Moves the wall clock forward to {@code timestamp} (wall-clock punctuations run). */
    public void clockTo(long timestamp) {
        if (timestamp > wallClock) {
            driver.advanceWallClockTime(Duration.ofMillis(timestamp - wallClock));
            wallClock = timestamp;
        }
    }

    /** The windows published since the last call, by start time, then key. */
    public List<JsonNode> windows() {
        List<JsonNode> out = new ArrayList<>();
        windows.readValuesToList().forEach(value -> out.add(parse(value)));
        out.sort(Comparator.comparingLong((JsonNode n) -> n.path("start").asLong())
                .thenComparing(n -> n.path("service").asText() + "/" + n.path("stage").asText()));
        return out;
    }

    /** The alert events published since the last call, in order. */
    public List<JsonNode> alerts() {
        List<JsonNode> out = new ArrayList<>();
        alerts.readKeyValuesToList().forEach(kv -> {
            JsonNode alert = parse(kv.value);
            if (!kv.key.equals(alert.path("id").asText())) {
                throw new AssertionError("alert keyed " + kv.key + " has id " + alert.path("id"));
            }
            out.add(alert);
        });
        return out;
    }

    public double counter(String name) {
        Counter counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private static JsonNode parse(String value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.close();
    }
}
