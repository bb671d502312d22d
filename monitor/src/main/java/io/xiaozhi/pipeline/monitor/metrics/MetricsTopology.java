package io.xiaozhi.pipeline.monitor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import io.xiaozhi.pipeline.monitor.alerts.Alert;
import io.xiaozhi.pipeline.monitor.alerts.AlertProcessor;
import io.xiaozhi.pipeline.monitor.alerts.AlertRules;
import io.xiaozhi.pipeline.monitor.alerts.AlertState;
import io.xiaozhi.pipeline.monitor.alerts.Observation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's Kafka Streams topology, built by a plain function so it can run under
 * {@code TopologyTestDriver} as well as {@code KafkaStreams}:
 *
 * <pre>
 * xiaozhi.metrics ─ parse (malformed: counted, dropped) ─ instance deltas [monitor-instance-samples]
 *   ─ key by service/stage ─ repartition ─ tumbling windows of window_seconds by snapshot time
 *   [monitor-window-aggregates] ─ suppress until the window closes (grace min(window, 5 s))
 *   ─ window recorder [monitor-window-history, monitor-window-latest] ─┬─ xiaozhi.metrics.windows
 *                                                                     └─ window rules ─┐
 * xiaozhi.lag ─ StageLagJson (malformed: counted, dropped) ─ lag rules ───────────────────────┤
 *   merge ─ repartition to one partition (keyed by alert id) ─ alert processor
 *   [monitor-alert-state, monitor-alert-events] ─ xiaozhi.alerts
 * </pre>
 *
 * Event time is each record's own {@code timestamp} field ({@link JsonTimestamps}). Readings of all
 * alert ids meet in one partition so the processor can see every id at once (a worker's response
 * time only alerts while no gateway reports); alert traffic is a few records per window.
 * Meters: {@code xiaozhi.monitor.metrics.malformed}, {@code xiaozhi.monitor.lag.malformed},
 * {@code xiaozhi.monitor.metrics.out_of_order}, {@code xiaozhi.monitor.alerts.late}.
 */
public final class MetricsTopology {

    public static final String SAMPLES_STORE = "monitor-instance-samples";
    public static final String AGGREGATES_STORE = "monitor-window-aggregates";
    public static final String HISTORY_STORE = "monitor-window-history";
    public static final String LATEST_STORE = "monitor-window-latest";
    public static final String ALERT_STATE_STORE = AlertProcessor.STATE_STORE;
    public static final String ALERT_EVENTS_STORE = AlertProcessor.EVENTS_STORE;

    /** Longest wait for late snapshots before a window is closed. */
    static final Duration MAX_GRACE = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(MetricsTopology.class);
    private static final long LOG_EVERY_MS = 60_000;

    private MetricsTopology() {
    }

    /** How long a window waits for late snapshots: its own length, at most five seconds. */
    public static Duration grace(PerformanceConfig.Monitoring monitor) {
        Duration window = Duration.ofSeconds(monitor.windowSeconds());
        return window.compareTo(MAX_GRACE) < 0 ? window : MAX_GRACE;
    }

    public static Topology build(PerformanceConfig performance, MetricsTopics topics, MeterRegistry meters) {
        PerformanceConfig.Monitoring monitor = performance.monitor();
        Duration window = Duration.ofSeconds(monitor.windowSeconds());
        Duration grace = grace(monitor);
        Duration history = Duration.ofHours(monitor.historyHours());
        long interval = monitor.interval() * 1000L;

        Serde<String> keys = Serdes.String();
        Serde<InstanceSample> samples = MetricsJson.serde(InstanceSample.class);
        Serde<Contribution> contributions = MetricsJson.serde(Contribution.class);
        Serde<WindowAccumulator> accumulators = MetricsJson.serde(WindowAccumulator.class);
        Serde<WindowStats> stats = MetricsJson.serde(WindowStats.class);
        Serde<Observation> readings = MetricsJson.serde(Observation.class);
        Serde<Alert> alerts = MetricsJson.serde(Alert.class);

        Counter malformedSnapshots = Counter.builder("xiaozhi.monitor.metrics.malformed")
                .description("metric snapshots that could not be read (skipped)").register(meters);
        Counter malformedLag = Counter.builder("xiaozhi.monitor.lag.malformed")
                .description("lag feed values that could not be read (skipped)").register(meters);
        Counter outOfOrder = Counter.builder("xiaozhi.monitor.metrics.out_of_order")
                .description("snapshots not newer than their instance's last one (skipped)").register(meters);
        Counter late = Counter.builder("xiaozhi.monitor.alerts.late")
                .description("rule readings too far behind the wall clock to alert on (catching up)").register(meters);
        AtomicLong lastSnapshotWarning = new AtomicLong();
        AtomicLong lastLagWarning = new AtomicLong();

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SAMPLES_STORE), keys, samples));
        builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(HISTORY_STORE, history, window, false), keys, stats));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LATEST_STORE), keys, stats));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_STATE_STORE), keys,
                MetricsJson.serde(AlertState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_EVENTS_STORE), keys, alerts));

        KStream<String, MetricSnapshot> snapshots = builder
                .stream(topics.metrics(), Consumed.with(keys, Serdes.ByteArray()).withTimestampExtractor(new JsonTimestamps())
                        .withName("metric-snapshots"))
                .flatMapValues((key, value) -> {
                    SnapshotParser.Result result = SnapshotParser.parse(value);
                    if (result instanceof SnapshotParser.Parsed parsed) {
                        return List.of(parsed.snapshot());
                    }
                    malformedSnapshots.increment();
                    warnSometimes(lastSnapshotWarning, "metric snapshot from {} skipped: {}", key, ((SnapshotParser.Malformed) result).reason());
                    return List.<MetricSnapshot>of();
                }, Named.as("parse-snapshots"));

        KStream<String, WindowStats> windows = snapshots
                .processValues(() -> new InstanceDeltas(2 * interval, history.toMillis(), outOfOrder), Named.as("instance-deltas"),
                        SAMPLES_STORE)
                .selectKey((key, contribution) -> contribution.windowKey(), Named.as("by-service-stage"))
                .groupByKey(Grouped.with("metric-contributions", keys, contributions))
                .windowedBy(TimeWindows.ofSizeAndGrace(window, grace))
                .aggregate(WindowAccumulator::empty, (key, contribution, window1) -> window1.add(contribution), Named.as("window-aggregate"),
                        Materialized.<String, WindowAccumulator, WindowStore<Bytes, byte[]>>as(AGGREGATES_STORE)
                                .withKeySerde(keys).withValueSerde(accumulators)
                                .withRetention(window.plus(grace))
                                .withCachingDisabled())
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("closed-windows"))
                .toStream(Named.as("closed-window-stream"))
                .process(() -> new WindowRecorder(performance.aiProviders(), history.toMillis()), Named.as("window-recorder"), HISTORY_STORE, LATEST_STORE);
        windows.to(topics.windows(), Produced.with(keys, stats).withName("windows-out"));

        AlertRules rules = new AlertRules(performance);
        KStream<String, Observation> fromWindows = windows.flatMap(
                (key, value) -> rules.of(value).stream().map(reading -> KeyValue.pair(reading.id(), reading)).toList(),
                Named.as("window-rules"));
        KStream<String, Observation> fromLag = builder
                .stream(topics.lag(), Consumed.with(keys, Serdes.ByteArray()).withTimestampExtractor(new JsonTimestamps())
                        .withName("lag-feed"))
                .flatMap((key, value) -> {
                    if (value == null) {
                        return List.<KeyValue<String, Observation>>of(); // a deleted stage on the compacted feed
                    }
                    StageLag lag;
                    try {
                        lag = StageLagJson.decode(value);
                    } catch (RuntimeException e) {
                        // MalformedLagException, or a value the record's own checks refuse
                        malformedLag.increment();
                        warnSometimes(lastLagWarning, "lag value for {} skipped: {}", key, e.getMessage());
                        return List.<KeyValue<String, Observation>>of();
                    }
                    return rules.of(lag).stream().map(reading -> KeyValue.pair(reading.id(), reading)).toList();
                }, Named.as("lag-rules"));

        fromWindows.merge(fromLag, Named.as("readings"))
                .repartition(Repartitioned.<String, Observation>with(keys, readings).withName("alert-readings").withNumberOfPartitions(1))
                .process(() -> new AlertProcessor(monitor, late), Named.as("alert-processor"), ALERT_STATE_STORE, ALERT_EVENTS_STORE)
                .to(topics.alerts(), Produced.with(keys, alerts).withName("alerts-out"));
        return builder.build();
    }

    /** Logs a skipped input at WARN, at most once a minute per kind (each one is counted). */
    private static void warnSometimes(AtomicLong last, String format, String key, String reason) {
        long now = System.currentTimeMillis();
        long previous = last.get();
        if (now - previous >= LOG_EVERY_MS && last.compareAndSet(previous, now)) {
            LOG.warn(format, key, reason);
        } else {
            LOG.debug(format, key, reason);
        }
    }
}
