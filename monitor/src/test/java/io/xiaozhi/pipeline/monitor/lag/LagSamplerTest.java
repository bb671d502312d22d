package io.xiaozhi.pipeline.monitor.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the sampler reads from the real broker: offsets, ages, and what it does when it cannot. */
@ExtendWith(KafkaBrokerExtension.class)
class LagSamplerTest {

    private static final PerformanceConfig.StageLimits LIMITS = new PerformanceConfig.StageLimits(1, 5, 10, 1);

    private static KafkaClients clients(KafkaTestBroker kafka) {
        return new KafkaClients(ConfigLoader.load(Path.of("target", "no-data-dir"),
                Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())).config().kafka(), "monitor-test");
    }

    private static LagAnalyzer analyzer() {
        return new LagAnalyzer(Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(10),
                new PerformanceConfig.AiProviders(LIMITS, LIMITS, LIMITS, LIMITS, new PerformanceConfig.RetryPolicy(3, 200, 2000)),
                stage -> OptionalDouble.empty());
    }

    /** A timestamp reader that counts its fetches. */
    private static final class CountingConsumer extends KafkaConsumer<byte[], byte[]> {
        final AtomicInteger polls = new AtomicInteger();

        CountingConsumer(Map<String, Object> config) {
            super(config);
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            polls.incrementAndGet();
            return super.poll(timeout);
        }
    }

    @Test
    void lagInSecondsIsTheAgeOfTheRecordAtTheCommittedOffset(KafkaTestBroker kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        String topic = kafka.createTopic(2, Map.of("message.timestamp.type", "LogAppendTime"));
        LagTarget target = new LagTarget(Stage.TTS, "group-" + topic, topic);
        long sentFirst;
        long sentSecond;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.VOICE))) {
            // partition 0: one record; the group never committed there, so it is waiting from the log start
            sentFirst = System.currentTimeMillis();
            RecordMetadata first = producer.send(new ProducerRecord<>(topic, 0, "s", new byte[] {1})).get();
            assertThat(first.timestamp()).as("the broker stamps it").isBetween(sentFirst - 5, System.currentTimeMillis() + 5);
            // partition 1: a record that is done, then one a second later that is not
            producer.send(new ProducerRecord<>(topic, 1, "s", new byte[] {2})).get();
            Thread.sleep(1000);
            sentSecond = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(topic, 1, "s", new byte[] {3})).get();
        }
        kafka.admin().alterConsumerGroupOffsets(target.group(), Map.of(new TopicPartition(topic, 1), new OffsetAndMetadata(1)))
                .all().get(10, TimeUnit.SECONDS);
        Thread.sleep(1000);

        AtomicInteger readers = new AtomicInteger();
        CountingConsumer[] reader = new CountingConsumer[1];
        try (LagSampler sampler = new LagSampler(kafka.admin(), () -> {
            readers.incrementAndGet();
            reader[0] = new CountingConsumer(LagSampler.readerConfig(clients));
            return reader[0];
        }, List.of(target), System::currentTimeMillis, Duration.ofSeconds(10))) {
            LagSampler.Round round = sampler.sample();
            assertThat(round.failures()).isEmpty();
            LagSample sample = round.samples().get(0);
            assertThat(sample.members()).isZero();
            StageLag lag = analyzer().add(sample);

            double trueAgeFirst = (lag.timestamp() - sentFirst) / 1000.0;
            double trueAgeSecond = (lag.timestamp() - sentSecond) / 1000.0;
            assertThat(trueAgeFirst).isGreaterThan(1.9);
            assertThat(lag.partitions().get(0).seconds()).isCloseTo(trueAgeFirst, within(0.5));
            assertThat(lag.partitions().get(0).committed()).as("no commit: the log start").isZero();
            assertThat(lag.partitions().get(1).seconds()).as("the record at offset 1, not the first of the partition")
                    .isCloseTo(trueAgeSecond, within(0.5));
            assertThat(lag.partitions().get(1).committed()).isEqualTo(1);
            assertThat(lag.records()).isEqualTo(2);
            assertThat(lag.seconds()).isEqualTo(lag.partitions().get(0).seconds());
            int pollsForTheFirst = reader[0].polls.get();
            assertThat(pollsForTheFirst).isPositive();

            Thread.sleep(300);
            LagSample again = sampler.sample().samples().get(0);
            assertThat(reader[0].polls.get()).as("the same offsets: timestamps come from the cache").isEqualTo(pollsForTheFirst);
            assertThat(again.partitions().get(0).ageSeconds(again.timestamp()))
                    .isCloseTo((again.timestamp() - sentFirst) / 1000.0, within(0.5));
            assertThat(readers.get()).isEqualTo(1);
        }
    }

    @Test
    void aTargetThatCannotBeReadFailsAloneAndSamplingGoesOn(KafkaTestBroker kafka) {
        KafkaClients clients = clients(kafka);
        String topic = kafka.createTopic(1);
        LagTarget good = new LagTarget(Stage.ASR, "group-" + topic, topic);
        LagTarget missing = new LagTarget(Stage.LLM, "group-x", kafka.uniqueTopicName());
        try (LagSampler sampler = LagSampler.create(clients, kafka.admin(), List.of(good, missing), System::currentTimeMillis,
                Duration.ofSeconds(10))) {
            LagSampler.Round round = sampler.sample();
            assertThat(round.samples()).extracting(LagSample::target).containsExactly(good);
            assertThat(round.samples().get(0).groupState()).isNotEmpty();
            assertThat(round.failures()).containsOnlyKeys(missing);
            assertThat(round.failures().get(missing)).hasMessageContaining(missing.topic()).hasMessageContaining("does not host");
        }
    }

    @Test
    void aBrokerThatIsDownIsCountedAndTheScheduleSurvivesIt(KafkaTestBroker kafka) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        KafkaClients clients = clients(kafka);
        try (Admin unreachable = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                     AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.BULK))) {
            LagSampler sampler = LagSampler.create(clients, unreachable, List.of(LagTarget.of(Stage.ASR)), System::currentTimeMillis,
                    Duration.ofMillis(300));
            try (LagMonitor monitor = new LagMonitor(sampler, analyzer(), producer, kafka.createTopic(1), meters, List.of())
                    .start(Duration.ofMillis(100))) {
                long deadline = System.currentTimeMillis() + 10_000;
                while (failures(meters) < 3 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(failures(meters)).as("sampling went on after failing").isGreaterThanOrEqualTo(3);
                assertThat(monitor.latest()).isEmpty();
                assertThat(meters.get("xiaozhi.monitor.lag.state").tag("stage", "asr").gauge().value()).as("no value yet").isNaN();
            }
        }
    }

    private static double failures(SimpleMeterRegistry meters) {
        return meters.get("xiaozhi.monitor.lag.sample.failures").tag("stage", "asr").counter().count();
    }
}
