package io.xiaozhi.pipeline.common.kafka;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one registry of the pipeline's topics: their names, and their partition counts and settings
 * as configured ({@code kafka.partitions}, {@code kafka.replication_factor}).
 *
 * <p>Request topics stamp records with the broker's append time ({@code LogAppendTime}), so the age
 * of the record at a group's committed offset is the time a request has waited: lag in seconds.
 * Short-lived topics get a segment time equal to their retention so that old data really goes.
 */
public final class Topics {

    public static final String PREFIX = "xiaozhi.";
    public static final String CONTROL = "xiaozhi.control";
    public static final String METRICS = "xiaozhi.metrics";
    public static final String ALERTS = "xiaozhi.alerts";
    public static final String LAG = "xiaozhi.lag";
    public static final String DOWNLINK_PREFIX = "xiaozhi.downlink.";

    static final Duration REQUEST_RETENTION = Duration.ofHours(1);
    static final Duration DOWNLINK_RETENTION = Duration.ofMinutes(10);
    static final Duration CONTROL_RETENTION = Duration.ofHours(1);
    static final Duration METRICS_RETENTION = Duration.ofDays(1);
    static final Duration ALERTS_RETENTION = Duration.ofDays(7);
    static final Duration DLQ_RETENTION = Duration.ofDays(7);

    private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final ServiceConfig.Partitions partitions;
    private final short replicationFactor;

    public Topics(ServiceConfig.Kafka kafka) {
        this.partitions = kafka.partitions();
        this.replicationFactor = (short) kafka.replicationFactor();
    }

    /** {@code xiaozhi.<stage>.requests}. */
    public static String requests(Stage stage) {
        return PREFIX + stage.id() + ".requests";
    }

    /** {@code xiaozhi.<stage>.dlq}. */
    public static String deadLetters(Stage stage) {
        return PREFIX + stage.id() + ".dlq";
    }

    /** {@code xiaozhi.downlink.<gatewayId>}; the id must be usable in a topic name. */
    public static String downlink(String gatewayId) {
        if (!GATEWAY_ID.matcher(gatewayId).matches()) {
            throw new IllegalArgumentException("a gateway id must be 1 to 100 letters, digits, '.', '_' or '-', not '" + gatewayId + "'");
        }
        return DOWNLINK_PREFIX + gatewayId;
    }

    public TopicSpec requestTopic(Stage stage) {
        Map<String, String> configs = deleteAfter(REQUEST_RETENTION, true);
        configs.put("message.timestamp.type", "LogAppendTime");
        allowPhotos(stage, configs);
        return spec(requests(stage), TopicKind.REQUESTS, partitions.requests(), configs);
    }

    public TopicSpec deadLetterTopic(Stage stage) {
        Map<String, String> configs = deleteAfter(DLQ_RETENTION, false);
        allowPhotos(stage, configs);
        return spec(deadLetters(stage), TopicKind.DLQ, partitions.dlq(), configs);
    }

    /**
     * The largest record a stage's request and dead-letter topics take when it exceeds the broker's
     * default: the vision stage's records carry a photo of up to 5 MiB. Producers that write those
     * topics (the gateway, the stage runtime's dead letters) need the same room.
     */
    public static java.util.OptionalInt maxRecordBytes(Stage stage) {
        return stage == Stage.VLLM ? java.util.OptionalInt.of(VisionRequest.MAX_RECORD_BYTES) : java.util.OptionalInt.empty();
    }

    private static void allowPhotos(Stage stage, Map<String, String> configs) {
        maxRecordBytes(stage).ifPresent(bytes -> configs.put("max.message.bytes", Integer.toString(bytes)));
    }

    public TopicSpec downlinkTopic(String gatewayId) {
        return spec(downlink(gatewayId), TopicKind.DOWNLINK, partitions.downlink(), deleteAfter(DOWNLINK_RETENTION, true));
    }

    public TopicSpec controlTopic() {
        return spec(CONTROL, TopicKind.CONTROL, partitions.control(), deleteAfter(CONTROL_RETENTION, true));
    }

    public TopicSpec metricsTopic() {
        return spec(METRICS, TopicKind.METRICS, partitions.metrics(), deleteAfter(METRICS_RETENTION, true));
    }

    public TopicSpec alertsTopic() {
        return spec(ALERTS, TopicKind.ALERTS, partitions.alerts(), deleteAfter(ALERTS_RETENTION, false));
    }

    /** The lag feed keeps the latest value per key (stage and partition), so it is compacted. */
    public TopicSpec lagTopic() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", "compact");
        configs.put("segment.ms", Long.toString(Duration.ofMinutes(10).toMillis()));
        configs.put("min.cleanable.dirty.ratio", "0.1");
        configs.put("delete.retention.ms", Long.toString(Duration.ofHours(1).toMillis()));
        return spec(LAG, TopicKind.LAG, partitions.lag(), configs);
    }

    /** Every topic shared by the whole pipeline (each gateway's downlink topic is its own). */
    public List<TopicSpec> pipelineTopics() {
        List<TopicSpec> all = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            all.add(requestTopic(stage));
            all.add(deadLetterTopic(stage));
        }
        all.add(controlTopic());
        all.add(metricsTopic());
        all.add(alertsTopic());
        all.add(lagTopic());
        return List.copyOf(all);
    }

    private TopicSpec spec(String name, TopicKind kind, int count, Map<String, String> configs) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        all.put("min.insync.replicas", replicationFactor >= 3 ? "2" : "1");
        return new TopicSpec(name, kind, count, replicationFactor, all);
    }

    private static Map<String, String> deleteAfter(Duration retention, boolean shortSegments) {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", "delete");
        configs.put("retention.ms", Long.toString(retention.toMillis()));
        if (shortSegments) {
            configs.put("segment.ms", Long.toString(retention.toMillis()));
        }
        return configs;
    }
}
