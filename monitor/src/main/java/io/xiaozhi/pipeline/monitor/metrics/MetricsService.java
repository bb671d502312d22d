package io.xiaozhi.pipeline.monitor.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.TopicKind;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.TopicSpec;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.monitor.alerts.Alert;
import io.xiaozhi.pipeline.monitor.alerts.AlertSinks;
import io.xiaozhi.pipeline.monitor.alerts.AlertState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics and alerts part of the monitor as it runs: provisions its topics, runs
 * {@link MetricsTopology} in {@code KafkaStreams} (application id {@value #APPLICATION_ID}, state under
 * {@code <data>/monitor-streams}), starts the {@link AlertSinks}, and answers queries from the
 * topology's stores for the HTTP API. Until the streams are {@code RUNNING} (starting, rebalancing,
 * restoring state) the queries answer empty lists rather than fail.
 */
public final class MetricsService implements AutoCloseable {

    public static final String APPLICATION_ID = "xiaozhi-monitor";
    public static final String STATE_DIRECTORY = "monitor-streams";

    private static final Logger LOG = LoggerFactory.getLogger(MetricsService.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Comparator<JsonNode> BY_KEY = Comparator.comparing((JsonNode n) -> n.path("service").asText())
            .thenComparing(n -> n.path("stage").asText());

    /** What tests change: the application id (so internal topics are their own) and the topics. */
    public record Options(String applicationId, MetricsTopics topics) {

        public static Options defaults() {
            return new Options(APPLICATION_ID, MetricsTopics.defaults());
        }
    }

    private final KafkaStreams streams;
    private final AlertSinks sinks;
    private final long windowMs;

    private MetricsService(KafkaStreams streams, AlertSinks sinks, long windowMs) {
        this.streams = streams;
        this.sinks = sinks;
        this.windowMs = windowMs;
    }

    public static MetricsService start(Settings settings, MeterRegistry meters) {
        return start(settings, meters, Options.defaults());
    }

    public static MetricsService start(Settings settings, MeterRegistry meters, Options options) {
        ServiceConfig.Kafka kafka = settings.config().kafka();
        PerformanceConfig performance = settings.performance();
        KafkaClients clients = new KafkaClients(kafka, "monitor");
        try (Admin admin = clients.admin()) {
            new TopicProvisioner(admin, ADMIN_TIMEOUT).ensure(topicSpecs(new Topics(kafka), kafka, performance.monitor(), options.topics()));
        }
        KafkaStreams streams = new KafkaStreams(MetricsTopology.build(performance, options.topics(), meters),
                streamsConfig(kafka, settings.dataDir(), options.applicationId()));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("metrics topology failed; replacing the stream thread: {}", e.toString(), e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        AlertSinks sinks;
        try {
            sinks = AlertSinks.start(clients.consumerConfig(AlertSinks.GROUP), options.topics().alerts(),
                    performance.monitor().webhooks(), meters);
        } catch (RuntimeException e) {
            streams.close(Duration.ofSeconds(10));
            throw e;
        }
        LOG.info("metrics topology started: {} s windows, {} h history, {} webhook(s)", performance.monitor().windowSeconds(),
                performance.monitor().historyHours(), performance.monitor().webhooks().size());
        return new MetricsService(streams, sinks, performance.monitor().windowSeconds() * 1000L);
    }

    /**
     * The topics this service reads and writes, as the pipeline's registry sizes them; the windows
     * topic is kept for the history's length.
     */
    static List<TopicSpec> topicSpecs(Topics registry, ServiceConfig.Kafka kafka, PerformanceConfig.Monitoring monitor, MetricsTopics topics) {
        TopicSpec metrics = registry.metricsTopic();
        TopicSpec lag = registry.lagTopic();
        TopicSpec alerts = registry.alertsTopic();
        Map<String, String> windowConfigs = new LinkedHashMap<>();
        windowConfigs.put("cleanup.policy", "delete");
        windowConfigs.put("retention.ms", Long.toString(Duration.ofHours(monitor.historyHours()).toMillis()));
        windowConfigs.put("min.insync.replicas", kafka.replicationFactor() >= 3 ? "2" : "1");
        return List.of(
                renamed(metrics, topics.metrics()),
                renamed(lag, topics.lag()),
                renamed(alerts, topics.alerts()),
                new TopicSpec(topics.windows(), TopicKind.METRICS, kafka.partitions().metrics(), (short) kafka.replicationFactor(),
                        windowConfigs));
    }

    private static TopicSpec renamed(TopicSpec spec, String name) {
        return new TopicSpec(name, spec.kind(), spec.partitions(), spec.replicationFactor(), spec.configs());
    }

    static Properties streamsConfig(ServiceConfig.Kafka kafka, Path dataDir, String applicationId) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.CLIENT_ID_CONFIG, kafka.clientId() + "-monitor-streams");
        config.put(StreamsConfig.STATE_DIR_CONFIG, dataDir.resolve(STATE_DIRECTORY).toAbsolutePath().toString());
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, kafka.replicationFactor());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // windows are aggregated without a record cache; commits are frequent so a restart replays little
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // a record that cannot be read or processed is logged and skipped: a metric is never worth stopping the monitor for
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class.getName());
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        kafka.producer().forEach((key, value) -> config.put(StreamsConfig.producerPrefix(key), value));
        kafka.consumer().forEach((key, value) -> config.put(StreamsConfig.consumerPrefix(key), value));
        kafka.admin().forEach((key, value) -> config.put(StreamsConfig.adminClientPrefix(key), value));
        return config;
    }

    /** The streams' state: queries answer only when {@code RUNNING}. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The latest closed window of every (service, stage), by service and stage. */
    public List<JsonNode> latestWindows() {
        return query(MetricsTopology.LATEST_STORE, QueryableStoreTypes.<String, WindowStats>keyValueStore(), store -> {
            List<JsonNode> out = new ArrayList<>();
            try (KeyValueIterator<String, WindowStats> all = store.all()) {
                all.forEachRemaining(entry -> out.add(MetricsJson.tree(entry.value)));
            }
            out.sort(BY_KEY);
            return out;
        });
    }

    /** Every window that overlaps [{@code fromMs}, {@code toMs}], by start time, then service and stage. */
    public List<JsonNode> history(long fromMs, long toMs) {
        if (toMs < fromMs) {
            return List.of();
        }
        return query(MetricsTopology.HISTORY_STORE, QueryableStoreTypes.<String, WindowStats>windowStore(), store -> {
            List<WindowStats> found = new ArrayList<>();
            try (KeyValueIterator<Windowed<String>, WindowStats> all = store.fetchAll(
                    Instant.ofEpochMilli(Math.max(0, fromMs - windowMs + 1)), Instant.ofEpochMilli(toMs))) {
                all.forEachRemaining(entry -> {
                    if (entry.value.end() > fromMs && entry.value.start() <= toMs) {
                        found.add(entry.value);
                    }
                });
            }
            found.sort(Comparator.comparingLong(WindowStats::start).thenComparing(WindowStats::service).thenComparing(WindowStats::stage));
            return found.stream().map(MetricsJson::tree).toList();
        });
    }

    /** The last event of every alert that is firing now, newest first. */
    public List<JsonNode> activeAlerts() {
        return query(MetricsTopology.ALERT_STATE_STORE, QueryableStoreTypes.<String, AlertState>keyValueStore(), store -> {
            List<Alert> active = new ArrayList<>();
            try (KeyValueIterator<String, AlertState> all = store.all()) {
                all.forEachRemaining(entry -> {
                    if (entry.value != null && entry.value.active() && entry.value.lastAlert() != null) {
                        active.add(entry.value.lastAlert());
                    }
                });
            }
            active.sort(Comparator.comparingLong(Alert::timestamp).reversed().thenComparing(Alert::id));
            return active.stream().map(MetricsJson::tree).toList();
        });
    }

    /** The {@code n} newest alert events (firing, repeated, resolved), newest first. */
    public List<JsonNode> recentAlerts(int n) {
        if (n <= 0) {
            return List.of();
        }
        return query(MetricsTopology.ALERT_EVENTS_STORE, QueryableStoreTypes.<String, Alert>keyValueStore(), store -> {
            List<JsonNode> out = new ArrayList<>();
            try (KeyValueIterator<String, Alert> newest = store.reverseAll()) {
                while (newest.hasNext() && out.size() < n) {
                    KeyValue<String, Alert> entry = newest.next();
                    out.add(MetricsJson.tree(entry.value));
                }
            }
            return out;
        });
    }

    private <S> List<JsonNode> query(String name, QueryableStoreType<S> type, Function<S, List<JsonNode>> read) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return List.of();
        }
        try {
            return read.apply(streams.store(StoreQueryParameters.fromNameAndType(name, type)));
        } catch (InvalidStateStoreException e) {
            LOG.debug("store {} not queryable now: {}", name, e.toString());
            return List.of();
        }
    }

    @Override
    public void close() {
        sinks.close();
        streams.close(Duration.ofSeconds(30));
    }
}
