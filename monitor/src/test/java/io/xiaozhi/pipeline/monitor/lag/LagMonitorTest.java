package io.xiaozhi.pipeline.monitor.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lag loop against the real broker, on topics and groups of its own per test: a 4 s window
 * sampled every second, consumer groups that stop, stall, fall behind and keep up.
 */
@ExtendWith(KafkaBrokerExtension.class)
class LagMonitorTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration WINDOW = Duration.ofSeconds(4);
    /** max_concurrent 1, queue 5, timeout 10 s, 1 consumer per process. */
    private static final PerformanceConfig.StageLimits LIMITS = new PerformanceConfig.StageLimits(1, 5, 10, 1);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private KafkaClients clients;
    private Producer<String, byte[]> producer;

    private void setUp(KafkaTestBroker kafka) {
        clients = new KafkaClients(ConfigLoader.load(Path.of("target", "no-data-dir"),
                Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())).config().kafka(), "monitor-test");
        producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.VOICE));
        closing.add(producer);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** A request topic as the pipeline makes them: records stamped with the broker's append time. */
    private static String requestTopic(KafkaTestBroker kafka, int partitions) {
        return kafka.createTopic(partitions, Map.of("message.timestamp.type", "LogAppendTime"));
    }

    private static LagTarget target(String topic) {
        return new LagTarget(Stage.ASR, "group-" + topic, topic);
    }

    private LagSampler sampler(KafkaTestBroker kafka, LagTarget target) {
        LagSampler sampler = LagSampler.create(clients, kafka.admin(), List.of(target), System::currentTimeMillis, Duration.ofSeconds(5));
        closing.add(sampler);
        return sampler;
    }

    private static LagAnalyzer analyzer() {
        return new LagAnalyzer(WINDOW, INTERVAL, Duration.ofSeconds(10),
                new PerformanceConfig.AiProviders(LIMITS, LIMITS, LIMITS, LIMITS, new PerformanceConfig.RetryPolicy(3, 200, 2000)),
                stage -> OptionalDouble.empty());
    }

    /** A monitor of one target publishing to a lag topic of its own, sampled by the test (not scheduled). */
    private LagMonitor monitor(KafkaTestBroker kafka, LagTarget target, String lagTopic) {
        LagMonitor monitor = new LagMonitor(sampler(kafka, target), analyzer(), producer, lagTopic, meters, List.of());
        closing.add(monitor);
        return monitor;
    }

    private void produce(String topic, int partition, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(topic, partition, "session", new byte[] {(byte) i})).get();
        }
    }

    /** Samples every second (as the monitor's scheduler does) until {@code done} holds or the time is up. */
    private static List<StageLag> sampleUntil(LagMonitor monitor, Predicate<StageLag> done, Duration timeout) throws InterruptedException {
        List<StageLag> history = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long next = System.nanoTime() + INTERVAL.toNanos();
            List<StageLag> values = monitor.sampleOnce();
            assertThat(values).hasSize(1);
            history.add(values.get(0));
            if (done.test(values.get(0))) {
                return history;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
        }
        throw new AssertionError("not reached within " + timeout + "; seen " + history);
    }

    private static List<StageLag> readFeed(KafkaClients clients, String topic, int atLeast) {
        List<StageLag> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(clients.groupLessConsumerConfig("feed-reader"))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 10_000;
            while (values.size() < atLeast && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    assertThat(r.key()).isEqualTo("asr");
                    values.add(StageLagJson.decode(r.value()));
                }
            }
        }
        return values;
    }

    @Test
    void aGroupWhoseMembersLeaveWithLagStops(KafkaTestBroker kafka) throws Exception {
        setUp(kafka);
        String topic = requestTopic(kafka, 1);
        String lagTopic = kafka.createTopic(1, Map.of("cleanup.policy", "compact"));
        LagTarget target = target(topic);
        produce(topic, 0, 10);
        GroupMember member = new GroupMember(kafka.bootstrapServers(), target.group(), topic, Double.POSITIVE_INFINITY, 3);
        assertThat(member.awaitStalled(Duration.ofSeconds(30))).isTrue();
        LagMonitor monitor = monitor(kafka, target, lagTopic);

        StageLag before = monitor.sampleOnce().get(0);
        assertThat(before.members()).isEqualTo(1);
        assertThat(before.state()).as("a member is there").isNotEqualTo(LagState.STOP);
        member.close();
        List<StageLag> history = sampleUntil(monitor, lag -> lag.state() == LagState.STOP, Duration.ofSeconds(10));

        StageLag stop = history.get(history.size() - 1);
        assertThat(history).as("STOP as soon as the member has gone, without waiting for a window").hasSizeLessThanOrEqualTo(3);
        assertThat(stop.members()).isZero();
        assertThat(stop.records()).isEqualTo(7);
        assertThat(stop.partitions()).singleElement().satisfies(p -> {
            assertThat(p.end()).isEqualTo(10);
            assertThat(p.committed()).isEqualTo(3);
        });
        assertThat(stop.seconds()).isPositive();
        assertThat(stop.recommendedWorkers()).isGreaterThanOrEqualTo(1);
        assertThat(meters.get("xiaozhi.monitor.lag.state").tag("stage", "asr").gauge().value()).isEqualTo(3.0);
        assertThat(meters.get("xiaozhi.monitor.lag.records").tag("stage", "asr").gauge().value()).isEqualTo(7.0);
        assertThat(monitor.latest(Stage.ASR)).contains(stop);

        List<StageLag> feed = readFeed(clients, lagTopic, history.size() + 1);
        assertThat(feed).as("every sample is published, keyed by the stage").hasSize(history.size() + 1);
        assertThat(feed.get(feed.size() - 1)).isEqualTo(stop);
    }

    @Test
    void aMemberThatCommitsWithoutProgressStalls(KafkaTestBroker kafka) throws Exception {
        setUp(kafka);
        String topic = requestTopic(kafka, 1);
        LagTarget target = target(topic);
        produce(topic, 0, 10);
        GroupMember member = new GroupMember(kafka.bootstrapServers(), target.group(), topic, Double.POSITIVE_INFINITY, 2);
        closing.add(member);
        assertThat(member.awaitStalled(Duration.ofSeconds(30))).isTrue();
        LagMonitor monitor = monitor(kafka, target, kafka.createTopic(1));

        List<StageLag> history = sampleUntil(monitor, lag -> lag.state() == LagState.STALL, Duration.ofSeconds(12));
        StageLag stall = history.get(history.size() - 1);
        assertThat(history.subList(0, history.size() - 1)).as("OK while the window fills").allMatch(l -> l.state() == LagState.OK);
        assertThat(history).as("not before the window is full").hasSizeGreaterThanOrEqualTo(5);
        assertThat(stall.members()).isEqualTo(1);
        assertThat(stall.records()).isEqualTo(8);
        assertThat(stall.drainRate()).isZero();
        assertThat(stall.drainSeconds()).isNull();
        StageLag first = history.get(0);
        assertThat(stall.seconds() - first.seconds()).as("the same record at offset 2 has waited all along")
                .isCloseTo((stall.timestamp() - first.timestamp()) / 1000.0, within(0.002));
        assertThat(meters.get("xiaozhi.monitor.lag.state").tag("stage", "asr").gauge().value()).isEqualTo(2.0);
    }

    @Test
    void aGroupThatFallsBehindWarnsAndIsToldHowManyWorkersItNeeds(KafkaTestBroker kafka) throws Exception {
        setUp(kafka);
        String topic = requestTopic(kafka, 2);
        LagTarget target = target(topic);
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            // 6 records a second over two partitions
            long start = System.nanoTime();
            for (int i = 0; producing.get(); i++) {
                try {
                    producer.send(new ProducerRecord<>(topic, i % 2, "s", new byte[] {1}));
                    long wait = start + (i + 1) * 1_000_000_000L / 6 - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "load");
        load.start();
        closing.add(() -> {
            producing.set(false);
            load.join(5000);
        });
        GroupMember member = new GroupMember(kafka.bootstrapServers(), target.group(), topic, 2, Long.MAX_VALUE);
        closing.add(member);
        assertThat(member.awaitAssigned(Duration.ofSeconds(30))).isTrue();
        LagMonitor monitor = monitor(kafka, target, kafka.createTopic(1));

        List<StageLag> history = sampleUntil(monitor, lag -> lag.state() == LagState.WARN, Duration.ofSeconds(12));
        StageLag warn = history.get(history.size() - 1);
        StageLag earlier = history.get(history.size() - 4);
        assertThat(warn.records()).isGreaterThan(earlier.records());
        assertThat(warn.seconds()).as("the oldest waiting request gets older").isGreaterThan(earlier.seconds() + 1);
        assertThat(warn.arrivalRate()).isCloseTo(6.0, within(1.5));
        assertThat(warn.drainRate()).isCloseTo(2.0, within(1.0));
        assertThat(warn.drainSeconds()).as("at these rates the queue never drains").isNull();
        assertThat(warn.members()).isEqualTo(1);
        // saturated: one process drains 2/s; (6 + lag / 10) / 2 >= 3
        assertThat(warn.recommendedWorkers()).isGreaterThanOrEqualTo(3).isGreaterThan(warn.members());

        producing.set(false);
        load.join(5000);
        List<StageLag> after = sampleUntil(monitor, lag -> lag.drainSeconds() != null, Duration.ofSeconds(10));
        StageLag draining = after.get(after.size() - 1);
        assertThat(draining.drainRate()).isGreaterThan(draining.arrivalRate());
        assertThat(draining.drainSeconds()).as("records / (drain - arrival)")
                .isCloseTo(draining.records() / (draining.drainRate() - draining.arrivalRate()), within(1e-6))
                .isPositive();
    }

    @Test
    void aGroupThatKeepsUpIsOk(KafkaTestBroker kafka) throws Exception {
        setUp(kafka);
        String topic = requestTopic(kafka, 2);
        LagTarget target = target(topic);
        GroupMember member = GroupMember.keepingUp(kafka.bootstrapServers(), target.group(), topic);
        closing.add(member);
        assertThat(member.awaitAssigned(Duration.ofSeconds(30))).isTrue();
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            for (int i = 0; producing.get(); i++) {
                try {
                    producer.send(new ProducerRecord<>(topic, i % 2, "s", new byte[] {1})).get();
                    Thread.sleep(200);
                } catch (Exception e) {
                    return;
                }
            }
        }, "load");
        load.start();
        closing.add(() -> {
            producing.set(false);
            load.join(5000);
        });
        LagMonitor monitor = monitor(kafka, target, kafka.createTopic(1));

        List<StageLag> history = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            history.add(monitor.sampleOnce().get(0));
            Thread.sleep(INTERVAL.toMillis());
        }
        assertThat(history).extracting(StageLag::state).containsOnly(LagState.OK);
        StageLag last = history.get(history.size() - 1);
        assertThat(last.members()).isEqualTo(1);
        assertThat(last.arrivalRate()).isCloseTo(5.0, within(1.5));
        assertThat(last.drainRate()).isCloseTo(last.arrivalRate(), within(1.0));
        assertThat(last.records()).isLessThanOrEqualTo(2);
        assertThat(last.recommendedWorkers()).isEqualTo(1);
        assertThat(member.consumed()).isGreaterThan(20);
    }
}
