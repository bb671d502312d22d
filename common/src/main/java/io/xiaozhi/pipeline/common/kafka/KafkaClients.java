package io.xiaozhi.pipeline.common.kafka;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Producer, consumer and admin clients for one service, with settings chosen for voice latency and
 * the raw overrides of {@code kafka.producer}, {@code kafka.consumer} and {@code kafka.admin} applied last.
 *
 * <ul>
 *   <li>{@link ProducerProfile#VOICE}: no linger (a record leaves as soon as it is sent), no
 *       compression (Opus does not compress), {@code acks=all} with idempotence so a retried send
 *       is neither lost nor duplicated.</li>
 *   <li>{@link ProducerProfile#BULK}: metrics and reports; lingers briefly and compresses.</li>
 *   <li>Consumers never auto-commit: the stage runtime commits what it has finished.</li>
 *   <li>Consumers are declared dead after {@value #SESSION_TIMEOUT_MS} ms without a heartbeat (Kafka's
 *       default is 45 s): a worker that crashes or is killed hands its partitions, and the requests
 *       it had not finished, to the others within a turn's deadline instead of after it.</li>
 * </ul>
 * Keys are session ids (text); values are bytes.
 */
public final class KafkaClients {

    /** How a producer trades latency for throughput. */
    public enum ProducerProfile { VOICE, BULK }

    /** How long a consumer may go without a heartbeat before its group gives its partitions to others. */
    public static final int SESSION_TIMEOUT_MS = 10_000;
    /** Heartbeats every 2 s: several chances within the session timeout. */
    public static final int HEARTBEAT_INTERVAL_MS = 2_000;

    private final ServiceConfig.Kafka kafka;
    private final String service;
    private final AtomicInteger sequence = new AtomicInteger();

    public KafkaClients(ServiceConfig.Kafka kafka, String service) {
        this.kafka = kafka;
        this.service = service;
    }

    public Map<String, Object> producerConfig(ProducerProfile profile) {
        Map<String, Object> config = common("producer-" + profile.name().toLowerCase(java.util.Locale.ROOT));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        if (profile == ProducerProfile.VOICE) {
            config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        } else {
            config.put(ProducerConfig.LINGER_MS_CONFIG, 50);
            config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        }
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.putAll(kafka.producer());
        return config;
    }

    /** A consumer in {@code groupId} that starts from the earliest record of a new group and never auto-commits. */
    public Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = common("consumer-" + groupId);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.putAll(kafka.consumer());
        return config;
    }

    /**
     * A consumer that belongs to no group: it is assigned partitions and reads them whole, as every
     * worker reads the control topic and every gateway the lag feed.
     */
    public Map<String, Object> groupLessConsumerConfig(String role) {
        Map<String, Object> config = consumerConfig("unused");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, kafka.clientId() + "-" + service + "-" + role + "-" + sequence.incrementAndGet());
        return config;
    }

    public Map<String, Object> adminConfig() {
        Map<String, Object> config = common("admin");
        config.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        config.putAll(kafka.admin());
        return config;
    }

    public KafkaProducer<String, byte[]> producer(ProducerProfile profile) {
        return new KafkaProducer<>(producerConfig(profile));
    }

    public KafkaConsumer<String, byte[]> consumer(String groupId) {
        return new KafkaConsumer<>(consumerConfig(groupId));
    }

    public Admin admin() {
        return Admin.create(adminConfig());
    }

    private Map<String, Object> common(String role) {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG,
                kafka.clientId() + "-" + service + "-" + role + "-" + sequence.incrementAndGet());
        return config;
    }
}
