package io.xiaozhi.pipeline.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.lag.LagState;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The lag feed read from a real compacted topic, as the monitor writes it. */
@ExtendWith(KafkaBrokerExtension.class)
class LagFeedTest {

    private static KafkaClients clients(KafkaTestBroker kafka) {
        ServiceConfig config = ConfigLoader.load(Path.of("target", "no-data-dir"),
                Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())).config();
        return new KafkaClients(config.kafka(), "gateway-test");
    }

    private static StageLag lag(Stage stage, long timestamp, long records, LagState state, int members) {
        return new StageLag(stage, "xiaozhi." + stage.id(), "xiaozhi." + stage.id() + ".requests", timestamp, records, 0.5,
                state, members, 2, 2, null, 1, 3, 2, 10, List.of(new StageLag.Partition(0, 10 + records, 10, records, 0.5)));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("in time").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void readsTheLatestFreshValueOfEachStageAndAdmitsByIt(KafkaTestBroker kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        String topic = kafka.createTopic(1, Map.of("cleanup.policy", "compact"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.VOICE))) {
            // already there when the gateway starts: a stale value, and a fresh one of the same stage after it
            producer.send(new ProducerRecord<>(topic, "tts", StageLagJson.encode(lag(Stage.TTS, now - 60_000, 1, LagState.OK, 1)))).get();
            producer.send(new ProducerRecord<>(topic, "asr", StageLagJson.encode(lag(Stage.ASR, now - 1000, 2, LagState.OK, 1)))).get();

            try (LagFeed feed = LagFeed.read(clients, topic, LagFeed.freshness(2), meters)) {
                assertThat(feed.awaitReady(Duration.ofSeconds(30))).isTrue();
                await(() -> feed.fresh(Stage.ASR, System.currentTimeMillis()).isPresent());
                assertThat(feed.fresh(Stage.ASR, System.currentTimeMillis()).orElseThrow().records()).isEqualTo(2);
                assertThat(feed.fresh(Stage.TTS, System.currentTimeMillis())).as("older than the feed is read back").isEmpty();

                PerformanceConfig.StageLimits limits = new PerformanceConfig.StageLimits(2, 3, 10, 1);
                Admission admission = new Admission(new PerformanceConfig.AiProviders(limits, limits, limits, limits,
                        new PerformanceConfig.RetryPolicy(3, 200, 2000)), meters, feed, System::currentTimeMillis);
                assertThat(admission.tryAdmit(Stage.ASR)).as("2 of 3 + 1 x 2").isTrue();

                // the monitor sees the stage stop; records that are not a lag value are dropped and counted
                producer.send(new ProducerRecord<>(topic, "asr", "not json".getBytes(StandardCharsets.UTF_8))).get();
                producer.send(new ProducerRecord<>(topic, "llm", StageLagJson.encode(lag(Stage.ASR, now, 0, LagState.OK, 1)))).get();
                producer.send(new ProducerRecord<>(topic, "asr", StageLagJson.encode(lag(Stage.ASR, System.currentTimeMillis(), 3,
                        LagState.STOP, 0)))).get();
                await(() -> feed.fresh(Stage.ASR, System.currentTimeMillis()).map(l -> l.state() == LagState.STOP).orElse(false));
                assertThat(meters.get("xiaozhi.gateway.lag_feed.malformed").counter().count()).isEqualTo(2);
                assertThat(feed.fresh(Stage.LLM, System.currentTimeMillis())).as("a value under another stage's key").isEmpty();
                assertThat(admission.tryAdmit(Stage.ASR)).isFalse();
                assertThat(meters.get("xiaozhi.gateway.turns.refused").tag("stage", "asr").tag("reason", "stopped").counter().count())
                        .isEqualTo(1);

                // a tombstone forgets the stage: the own count decides again
                producer.send(new ProducerRecord<String, byte[]>(topic, "asr", null)).get();
                await(() -> feed.fresh(Stage.ASR, System.currentTimeMillis()).isEmpty());
                assertThat(admission.tryAdmit(Stage.ASR)).isTrue();
            }
        }
    }

    @Test
    void anOlderValueArrivingLaterDoesNotReplaceANewerOne() {
        LagFeed feed = new LagFeed(LagFeed.freshness(2), new SimpleMeterRegistry());
        long now = System.currentTimeMillis();
        feed.accept(lag(Stage.LLM, now, 5, LagState.WARN, 2));
        feed.accept(lag(Stage.LLM, now - 1000, 1, LagState.OK, 2));
        assertThat(feed.fresh(Stage.LLM, now).orElseThrow().records()).isEqualTo(5);
        feed.onRecord(new ConsumerRecord<>("t", 0, 0, "llm", StageLagJson.encode(lag(Stage.LLM, now + 1, 7, LagState.WARN, 2))));
        assertThat(feed.fresh(Stage.LLM, now).orElseThrow().records()).isEqualTo(7);
    }
}
