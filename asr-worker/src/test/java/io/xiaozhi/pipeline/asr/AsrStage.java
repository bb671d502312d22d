package io.xiaozhi.pipeline.asr;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
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
 * The speech-to-text stage of one test: its own request, dead-letter, control, reply (a gateway's
 * downlink) and LLM request topics on the test broker, settings from a data directory written by the
 * test, an {@link AsrWorker} built by its factory in a real {@link StageRuntime}, and utterances
 * published as the gateway publishes them.
 */
final class AsrStage implements AutoCloseable {

    static final String DEVICE = "aa:bb:cc:dd:ee:ff";
    private static final Duration READ_WAIT = Duration.ofSeconds(60);

    final String requests;
    final String deadLetters;
    final String control;
    final String replies;
    final String llm;
    final Settings settings;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final KafkaClients clients;
    private final KafkaProducer<String, byte[]> producer;
    private StageRuntime runtime;
    private AsrWorker worker;

    /**
     * {@code providerYaml}: the lines of the {@code providers.asr} block; {@code timeoutSeconds}:
     * {@code ai_providers.asr.timeout}.
     */
    AsrStage(KafkaTestBroker kafka, Path dataDir, String providerYaml, int timeoutSeconds) {
        this.requests = kafka.createTopic(2, Map.of("message.timestamp.type", "LogAppendTime"));
        this.deadLetters = kafka.createTopic(1);
        this.control = kafka.createTopic(1);
        this.replies = kafka.createTopic(1);
        this.llm = kafka.createTopic(1);
        write(dataDir.resolve(".config.yaml"), String.join("\n",
                "providers:",
                "  asr:",
                providerYaml.indent(4).stripTrailing(),
                ""));
        write(dataDir.resolve(".performance.yaml"), String.join("\n",
                "ai_providers:",
                "  asr: {max_concurrent: 2, queue_size: 10, timeout: " + timeoutSeconds + ", consumers: 1}",
                "  retry: {max_attempts: 3, initial_backoff_ms: 20, max_backoff_ms: 100}",
                ""));
        this.settings = ConfigLoader.load(dataDir, Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
        this.clients = new KafkaClients(settings.config().kafka(), "test");
        this.producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.VOICE));
    }

    /** Builds the worker with its factory and starts the stage runtime around its handler. */
    AsrWorker start() throws IOException {
        return start(AsrWorker.create(ServiceContext.shared("asr-worker", settings, meters, Clock.systemUTC(), null, null), llm));
    }

    /** Starts the stage runtime around a worker built already (one whose models a test class shares). */
    AsrWorker start(AsrWorker worker) {
        this.worker = worker;
        runtime = StageRuntime.builder(Stage.ASR, worker.handler())
                .settings(settings)
                .topics(requests, deadLetters, control)
                .groupId("group-" + requests)
                .commitInterval(Duration.ofMillis(100))
                .shutdownGrace(Duration.ofSeconds(5))
                .meterRegistry(meters)
                .serviceName("asr-worker")
                .build();
        runtime.start();
        return worker;
    }

    /** Publishes an utterance as the gateway does, with a fresh session and turn; returns the turn. */
    String publish(byte[] payload) throws Exception {
        String turn = UUID.randomUUID().toString();
        publish(payload, "session-" + turn, turn, System.currentTimeMillis());
        return turn;
    }

    /** Publishes under a gateway's envelope: deadline = end of speech + 30 s, {@code xz.t.eos}. */
    void publish(byte[] payload, String session, String turn, long endOfSpeech) throws Exception {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(requests, session, payload);
        new Envelope(session, DEVICE, turn, endOfSpeech + 30_000, replies).writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, endOfSpeech);
        producer.send(record).get(30, TimeUnit.SECONDS);
    }

    /** Every record on {@code topic}, waiting until at least {@code count} have arrived (or 60 s). */
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

    /** How many records {@code topic} holds: the sum of its partitions' end offsets. */
    long size(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("counter"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(all).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The records on {@code topic} of {@code turn}, once {@code count} records in all have arrived. */
    List<ConsumerRecord<String, byte[]>> recordsOf(String topic, int count, String turn) {
        return read(topic, count).stream().filter(r -> turn.equals(turnOf(r))).toList();
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

    /** Stops the runtime; the worker stays open (its owner closes it). */
    @Override
    public void close() {
        if (runtime != null) {
            runtime.close();
        }
        producer.close(Duration.ofSeconds(5));
    }

    AsrWorker worker() {
        return worker;
    }
}
