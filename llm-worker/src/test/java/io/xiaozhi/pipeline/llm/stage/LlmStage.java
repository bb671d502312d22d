package io.xiaozhi.pipeline.llm.stage;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageRuntime;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.openai.OpenAiChatModel;
import io.xiaozhi.pipeline.llm.testing.Fixture;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The LLM stage as it runs in production, on the test broker: its own topics (requests, dead letters,
 * control, a gateway's downlink, the TTS stage's requests), the real {@link StageRuntime} around
 * llm-workers that talk to a fake OpenAI-compatible API, and a way to read what they sent.
 */
final class LlmStage implements AutoCloseable {

    final String requests;
    final String deadLetters;
    final String control;
    final String downlink;
    final String tts;
    private final String group;
    private final ServiceConfig.Kafka kafka;
    private final KafkaClients clients;
    private final KafkaProducer<String, byte[]> producer;
    private final List<AutoCloseable> running = new ArrayList<>();

    LlmStage(KafkaTestBroker broker) {
        requests = broker.createTopic(2, Map.of("message.timestamp.type", "LogAppendTime"));
        deadLetters = broker.createTopic(1);
        control = broker.createTopic(1);
        downlink = broker.createTopic(1);
        tts = broker.createTopic(3);
        group = "group-" + requests;
        kafka = ConfigLoader.load(Path.of("target", "no-data-dir"), Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers()))
                .config().kafka();
        clients = new KafkaClients(kafka, "llm-test");
        producer = clients.producer(KafkaClients.ProducerProfile.VOICE);
    }

    /** A worker talking to the API at {@code baseUrl}, not yet running. */
    LlmWorker worker(String baseUrl, KeyValueStore store, HikariDataSource database, SimpleMeterRegistry meters) {
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, baseUrl, "sk-test", "test-model", "",
                Map.of());
        OpenAiChatModel model = new OpenAiChatModel(new OpenAiEndpoint("llm", provider, OpenAiEndpoint.defaultClient(),
                new ProviderMetrics(meters)));
        return new LlmWorker(model, store, () -> database, Fixture.settings(), meters, Clock.systemUTC(), tts);
    }

    /** Runs {@code worker} in a stage runtime with the given attempt timeout; close the result to stop it. */
    StageRuntime start(LlmWorker worker, SimpleMeterRegistry meters, int timeoutSeconds) {
        StageRuntime runtime = StageRuntime.builder(Stage.LLM, worker.handler())
                .kafka(kafka)
                .limits(new PerformanceConfig.StageLimits(4, 100, timeoutSeconds, 1))
                .retry(new PerformanceConfig.RetryPolicy(3, 20, 100))
                .topics(requests, deadLetters, control)
                .groupId(group)
                .commitInterval(Duration.ofMillis(100))
                .shutdownGrace(Duration.ofSeconds(10))
                .meterRegistry(meters)
                .build();
        runtime.start();
        running.add(() -> {
            runtime.close();
            worker.close();
        });
        return runtime;
    }

    void publish(ProducerRecord<String, byte[]> record) throws Exception {
        producer.send(new ProducerRecord<>(requests, null, record.key(), record.value(), record.headers())).get(10, TimeUnit.SECONDS);
    }

    /**
     * The records on {@code topic} that match: every one there when called, and more until
     * {@code count} match (30 s at most).
     */
    List<ConsumerRecord<String, byte[]>> read(String topic, int count, Predicate<ConsumerRecord<String, byte[]>> filter) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while ((out.size() < count || partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)))
                    && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (filter.test(r)) {
                        out.add(r);
                    }
                });
            }
        }
        return out;
    }

    List<ConsumerRecord<String, byte[]>> read(String topic, int count) {
        return read(topic, count, r -> true);
    }

    @Override
    public void close() {
        for (AutoCloseable closeable : running) {
            try {
                closeable.close();
            } catch (Exception e) {
                // closing a test's workers: the next test has its own topics
            }
        }
        producer.close(Duration.ofSeconds(5));
    }
}
