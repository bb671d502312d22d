package io.xiaozhi.pipeline.common.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** One test's topics, a way to publish requests into them and to read what came out. */
final class StageHarness implements AutoCloseable {

    final KafkaTestBroker kafka;
    final String requests;
    final String deadLetters;
    final String control;
    final String replies;
    final String group;
    final int partitions;
    final KafkaClients clients;
    final ServiceConfig.Kafka kafkaConfig;
    final List<StageRuntime> runtimes = new ArrayList<>();
    final List<SimpleMeterRegistry> registries = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;

    StageHarness(KafkaTestBroker kafka, int partitions, Map<String, String> consumerOverrides) {
        this.kafka = kafka;
        this.partitions = partitions;
        this.requests = kafka.createTopic(partitions, Map.of("message.timestamp.type", "LogAppendTime"));
        this.deadLetters = kafka.createTopic(1);
        this.control = kafka.createTopic(1);
        this.replies = kafka.createTopic(1);
        this.group = "group-" + requests;
        Map<String, String> env = new HashMap<>();
        env.put("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        ServiceConfig base = ConfigLoader.load(Path.of("target", "no-data-dir"), env).config();
        ServiceConfig.Kafka k = base.kafka();
        Map<String, String> consumer = new HashMap<>(k.consumer());
        consumer.putAll(consumerOverrides);
        this.kafkaConfig = new ServiceConfig.Kafka(k.bootstrapServers(), k.clientId(), k.replicationFactor(), k.partitions(),
                k.producer(), Map.copyOf(consumer), k.admin());
        this.clients = new KafkaClients(kafkaConfig, "test");
        this.producer = clients.producer(KafkaClients.ProducerProfile.VOICE);
    }

    StageHarness(KafkaTestBroker kafka, int partitions) {
        this(kafka, partitions, Map.of());
    }

    StageRuntime.Builder runtime(StageHandler handler, int maxConcurrent) {
        return runtime(handler, new PerformanceConfig.StageLimits(maxConcurrent, 100, 10, 1));
    }

    StageRuntime.Builder runtime(StageHandler handler, PerformanceConfig.StageLimits limits) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registries.add(registry);
        return StageRuntime.builder(Stage.ASR, handler)
                .kafka(kafkaConfig)
                .limits(limits)
                .retry(new PerformanceConfig.RetryPolicy(3, 20, 100))
                .topics(requests, deadLetters, control)
                .groupId(group)
                .commitInterval(Duration.ofMillis(100))
                .shutdownGrace(Duration.ofSeconds(10))
                .meterRegistry(registry);
    }

    StageRuntime start(StageRuntime.Builder builder) {
        StageRuntime runtime = builder.build();
        runtimes.add(runtime);
        runtime.start();
        return runtime;
    }

    /** Publishes one request per turn {@code prefix-0 .. prefix-(count-1)}, keyed by a session per turn. */
    List<String> publish(String prefix, int count, long deadlineEpochMs) {
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String turn = prefix + "-" + i;
            turns.add(turn);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(requests, "session-" + turn, turn.getBytes(StandardCharsets.UTF_8));
            new Envelope("session-" + turn, "aa:bb:cc:dd:ee:ff", turn, deadlineEpochMs, replies).writeTo(record.headers());
            producer.send(record);
        }
        producer.flush();
        return turns;
    }

    List<String> publish(String prefix, int count) {
        return publish(prefix, count, System.currentTimeMillis() + 120_000);
    }

    void publishRaw(ProducerRecord<String, byte[]> record) throws Exception {
        producer.send(record).get(10, TimeUnit.SECONDS);
    }

    void cancel(String turn) throws Exception {
        producer.send(ControlMessages.cancelTurn(control, "session-" + turn, turn)).get(10, TimeUnit.SECONDS);
    }

    /** Every record on {@code topic}, waiting until {@code count} have arrived (or 30 s). */
    List<ConsumerRecord<String, byte[]>> read(String topic, int count) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    /** The group's committed offsets, summed over partitions. */
    long committedTotal() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = kafka.admin().listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }

    long committed(int partition) throws Exception {
        OffsetAndMetadata offset = kafka.admin().listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).get(new TopicPartition(requests, partition));
        return offset == null ? -1 : offset.offset();
    }

    static String turnOf(ConsumerRecord<String, byte[]> record) {
        return HeaderValues.requiredText(record.headers(), EnvelopeHeaders.TURN);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    double counter(int runtime, String name) {
        var counter = registries.get(runtime).find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        runtimes.forEach(StageRuntime::close);
        producer.close(Duration.ofSeconds(5));
    }
}
