package io.xiaozhi.pipeline.common.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class MetricSnapshotsTest {

    private final ObjectMapper json = new ObjectMapper();

    private static JsonNode meter(JsonNode snapshot, String name) {
        for (JsonNode meter : snapshot.path("meters")) {
            if (meter.path("name").asText().equals(name)) {
                return meter;
            }
        }
        throw new AssertionError("no meter " + name + " in " + snapshot);
    }

    @Test
    void countersGaugesAndTimersWithTheirHistogramsAreInTheSnapshot() {
        PrometheusMeterRegistry registry = ServiceHost.newRegistry("llm-worker");
        Counter.builder("xiaozhi.stage.completed").tag("stage", "llm").register(registry).increment(3);
        AtomicInteger inFlight = new AtomicInteger(4);
        Gauge.builder("xiaozhi.stage.inflight", inFlight, AtomicInteger::get).tag("stage", "llm").register(registry);
        Timer timer = Timer.builder("xiaozhi.stage.processing").tag("stage", "llm").register(registry);
        timer.record(Duration.ofMillis(20));
        timer.record(Duration.ofMillis(400));

        JsonNode snapshot = MetricSnapshots.snapshot("llm-worker", "host-1", 1234L, registry);
        assertThat(snapshot.path("service").asText()).isEqualTo("llm-worker");
        assertThat(snapshot.path("timestamp").asLong()).isEqualTo(1234L);
        JsonNode completed = meter(snapshot, "xiaozhi.stage.completed");
        assertThat(completed.path("type").asText()).isEqualTo("counter");
        assertThat(completed.path("count").asDouble()).isEqualTo(3.0);
        assertThat(completed.path("tags").path("stage").asText()).isEqualTo("llm");
        assertThat(completed.path("tags").path("service").asText()).isEqualTo("llm-worker");
        assertThat(meter(snapshot, "xiaozhi.stage.inflight").path("value").asDouble()).isEqualTo(4.0);
        JsonNode processing = meter(snapshot, "xiaozhi.stage.processing");
        assertThat(processing.path("count").asLong()).isEqualTo(2);
        assertThat(processing.path("total_ms").asDouble()).isEqualTo(420.0);
        assertThat(processing.path("max_ms").asDouble()).isEqualTo(400.0);
        JsonNode buckets = processing.path("buckets");
        assertThat(buckets.size()).as("xiaozhi timers keep a histogram").isGreaterThan(10);
        long atOrBelow100ms = 0;
        for (JsonNode bucket : buckets) {
            if (bucket.get(0).asDouble() <= 100) {
                atOrBelow100ms = Math.max(atOrBelow100ms, bucket.get(1).asLong());
            }
        }
        assertThat(atOrBelow100ms).isEqualTo(1);
        assertThat(meter(snapshot, "jvm.memory.used").path("type").asText()).isEqualTo("gauge");
        assertThat(meter(snapshot, "process.cpu.usage")).isNotNull();
        assertThat(meter(snapshot, "system.memory.total").path("value").asDouble()).as("physical memory, through OSHI").isPositive();
        assertThat(meter(snapshot, "system.memory.usage").path("value").asDouble()).isBetween(0.0, 1.0);
        assertThat(meter(snapshot, "system.disk.total").path("value").asDouble()).isPositive();
        assertThat(meter(snapshot, "system.network.received").path("type").asText()).isEqualTo("counter");
    }

    @Test
    void theHostServesMetricsAndHealthAndPublishesSnapshots(KafkaTestBroker kafka) throws Exception {
        Settings settings = ConfigLoader.load(Path.of("target", "no-data-dir"),
                Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "XIAOZHI_METRICS_PORT", "0",
                        "XIAOZHI_METRICS_HOST", "127.0.0.1"));
        String topic = kafka.createTopic(1);
        try (ServiceHost host = ServiceHost.start("tts-worker", settings)) {
            assertThat(host.port()).isPositive();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("service=\"tts-worker\"");
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            host.healthCheck(() -> false);
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);

            KafkaClients clients = new KafkaClients(settings.config().kafka(), "test");
            try (MetricsPublisher publisher = new MetricsPublisher("tts-worker", host.instance(), host.registry(),
                    clients.producer(KafkaClients.ProducerProfile.BULK), Clock.systemUTC(), Duration.ofHours(1), topic)) {
                publisher.publish();
            }
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("check"))) {
                consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
                consumer.seekToBeginning(consumer.assignment());
                long deadline = System.currentTimeMillis() + 15_000;
                while (records.size() < 2 && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                }
            }
            assertThat(records).as("one explicit snapshot and the last one on close").hasSize(2);
            assertThat(records.get(0).key()).isEqualTo("tts-worker/" + host.instance());
            JsonNode snapshot = json.readTree(records.get(0).value());
            assertThat(snapshot.path("service").asText()).isEqualTo("tts-worker");
            assertThat(meter(snapshot, "jvm.threads.live").path("value").asDouble()).isPositive();
        }
    }
}
