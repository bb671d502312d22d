package io.xiaozhi.pipeline.tts;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.runtime.StageRuntime;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
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

/** One test's TTS stage topics on the shared broker, a runtime over them, and a way to read what came out. */
final class StageTopics implements AutoCloseable {

    final String requests;
    final String deadLetters;
    final String control;
    final String replies;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KafkaClients clients;
    private final KafkaProducer<String, byte[]> producer;
    private final List<StageRuntime> runtimes = new ArrayList<>();

    StageTopics(KafkaTestBroker kafka) {
        this.requests = kafka.createTopic(1, Map.of("message.timestamp.type", "LogAppendTime"));
        this.deadLetters = kafka.createTopic(1);
        this.control = kafka.createTopic(1);
        this.replies = kafka.createTopic(1);
        this.clients = new KafkaClients(kafkaConfig(kafka), "test");
        this.producer = clients.producer(KafkaClients.ProducerProfile.VOICE);
    }

    static ServiceConfig.Kafka kafkaConfig(KafkaTestBroker kafka) {
        return ConfigLoader.load(Path.of("target", "no-data-dir"), Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()))
                .config().kafka();
    }

    StageRuntime start(KafkaTestBroker kafka, StageHandler handler, PerformanceConfig.StageLimits limits, PerformanceConfig.RetryPolicy retry) {
        StageRuntime runtime = StageRuntime.builder(Stage.TTS, handler)
                .kafka(kafkaConfig(kafka))
                .limits(limits)
                .retry(retry)
                .topics(requests, deadLetters, control)
                .groupId("group-" + requests)
                .commitInterval(Duration.ofMillis(100))
                .shutdownGrace(Duration.ofSeconds(5))
                .meterRegistry(registry)
                .build();
        runtimes.add(runtime);
        runtime.start();
        return runtime;
    }

    void publish(ProducerRecord<String, byte[]> record) throws Exception {
        producer.send(record).get(10, TimeUnit.SECONDS);
    }

    /** Reads {@code topic} from the start until {@code done} holds for what was read (or {@code max} passes), then a little longer. */
    List<ConsumerRecord<String, byte[]>> read(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration max) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + max.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            // anything sent twice would be there by now
            consumer.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        return out;
    }

    double counter(String name) {
        var counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        runtimes.forEach(StageRuntime::close);
        producer.close(Duration.ofSeconds(5));
    }
}
