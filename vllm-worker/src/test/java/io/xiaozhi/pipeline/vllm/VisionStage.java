package io.xiaozhi.pipeline.vllm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.runtime.StageRuntime;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The vision stage of one test: its own request, dead-letter, control and reply topics on the test
 * broker (request and dead-letter topics sized for photos as the registry sizes them), settings from
 * a data directory written by the test, a {@link VllmWorker} built by its factory in a real
 * {@link StageRuntime}, and requests published as the gateway publishes them.
 */
final class VisionStage implements AutoCloseable {

    static final String DEVICE = "aa:bb:cc:dd:ee:ff";
    private static final Duration READ_WAIT = Duration.ofSeconds(30);

    final String requests;
    final String deadLetters;
    final String control;
    final String replies;
    final Settings settings;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final KafkaClients clients;
    private final KafkaProducer<String, byte[]> producer;
    private StageRuntime runtime;

    /**
     * {@code providerYaml}: the lines of the {@code providers.vllm} block; {@code timeoutSeconds}:
     * {@code ai_providers.vllm.timeout}.
     */
    VisionStage(KafkaTestBroker kafka, Path dataDir, String providerYaml, int timeoutSeconds) {
        Map<String, String> photoSized = Map.of("max.message.bytes", Integer.toString(VisionRequest.MAX_RECORD_BYTES));
        this.requests = kafka.createTopic(2, Map.of("message.timestamp.type", "LogAppendTime",
                "max.message.bytes", Integer.toString(VisionRequest.MAX_RECORD_BYTES)));
        this.deadLetters = kafka.createTopic(1, photoSized);
        this.control = kafka.createTopic(1);
        this.replies = kafka.createTopic(1);
        write(dataDir.resolve(".config.yaml"), String.join("\n",
                "providers:",
                "  vllm:",
                providerYaml.indent(4).stripTrailing(),
                ""));
        write(dataDir.resolve(".performance.yaml"), String.join("\n",
                "ai_providers:",
                "  vllm: {max_concurrent: 3, queue_size: 10, timeout: " + timeoutSeconds + ", consumers: 1}",
                "  retry: {max_attempts: 3, initial_backoff_ms: 20, max_backoff_ms: 100}",
                ""));
        this.settings = ConfigLoader.load(dataDir, Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
        this.clients = new KafkaClients(settings.config().kafka(), "test");
        // the test publishes photos as the gateway does, with room for records as large as the vision topics allow
        Map<String, Object> producerConfig = clients.producerConfig(KafkaClients.ProducerProfile.VOICE);
        producerConfig.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_REQUEST_SIZE_CONFIG, VisionRequest.MAX_RECORD_BYTES);
        this.producer = new KafkaProducer<>(producerConfig);
    }

    /** Builds the worker with its factory and starts the stage runtime around its handler. */
    VllmWorker start() {
        VllmWorker worker = VllmWorker.create(ServiceContext.shared("vllm-worker", settings, meters, Clock.systemUTC(), null, null));
        runtime = StageRuntime.builder(Stage.VLLM, worker.handler())
                .settings(settings)
                .topics(requests, deadLetters, control)
                .groupId("group-" + requests)
                .commitInterval(Duration.ofMillis(100))
                .shutdownGrace(Duration.ofSeconds(5))
                .meterRegistry(meters)
                .serviceName("vllm-worker")
                .build();
        runtime.start();
        return worker;
    }

    /** Publishes a photo as the gateway does; returns the correlation id (session and turn). */
    String publish(String question, String imageType, byte[] image) throws Exception {
        return publish(new VisionRequest(question, imageType, image).encode());
    }

    /** Publishes a payload under a gateway's envelope: deadline = now + the stage timeout. */
    String publish(byte[] payload) throws Exception {
        return publish(payload, System.currentTimeMillis() + settings.performance().aiProviders().vllm().timeoutDuration().toMillis());
    }

    String publish(byte[] payload, long deadlineEpochMs) throws Exception {
        String id = UUID.randomUUID().toString();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(requests, DEVICE, payload);
        new Envelope(id, DEVICE, id, deadlineEpochMs, replies).writeTo(record.headers());
        producer.send(record).get(30, TimeUnit.SECONDS);
        return id;
    }

    /** Every record on {@code topic}, waiting until at least {@code count} have arrived (or 30 s). */
    List<ConsumerRecord<String, byte[]>> read(String topic, int count) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + READ_WAIT.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    /** The one record on {@code topic} of turn {@code id}, waiting for {@code count} records in all. */
    ConsumerRecord<String, byte[]> recordOf(String topic, int count, String id) {
        List<ConsumerRecord<String, byte[]>> records = read(topic, count);
        List<ConsumerRecord<String, byte[]>> ofTurn = records.stream().filter(r -> id.equals(turnOf(r))).toList();
        if (ofTurn.size() != 1) {
            throw new AssertionError("expected one record of turn " + id + " on " + topic + ", found " + ofTurn.size()
                    + " among " + records.size());
        }
        return ofTurn.get(0);
    }

    static String turnOf(ConsumerRecord<String, byte[]> record) {
        return HeaderValues.text(record.headers(), EnvelopeHeaders.TURN).orElse("");
    }

    static String typeOf(ConsumerRecord<String, byte[]> record) {
        return HeaderValues.text(record.headers(), EnvelopeHeaders.TYPE).orElse("");
    }

    static String text(ConsumerRecord<String, byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    double count(String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + READ_WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + READ_WAIT.toSeconds() + " s waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (runtime != null) {
            runtime.close();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
