package io.xiaozhi.pipeline.monitor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.service.MetricSnapshots;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics service end to end on the in-process broker: real snapshots of a Prometheus registry
 * go in, windows come out of the query API and the windows topic, a CPU alert reaches the alerts
 * topic, the alert queries and a local webhook.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MetricsServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void snapshotsBecomeWindowsAndAnAlertThatReachesTheTopicTheQueriesAndAWebhook(KafkaTestBroker kafka, @TempDir Path data) throws Exception {
        BlockingQueue<String> webhook = new LinkedBlockingQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            webhook.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        Settings settings = ConfigLoader.load(data, Map.of(
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "XIAOZHI_MONITOR_WINDOW_SECONDS", "1",
                "XIAOZHI_MONITOR_INTERVAL", "1",
                "XIAOZHI_MONITOR_HISTORY_HOURS", "1",
                "XIAOZHI_MONITOR_WEBHOOKS", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook"));
        MetricsTopics topics = new MetricsTopics(kafka.uniqueTopicName(), kafka.uniqueTopicName(), kafka.uniqueTopicName(),
                kafka.uniqueTopicName());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        // a worker's registry, as ServiceHost makes it: tagged with its service, histograms on xiaozhi.* timers
        PrometheusMeterRegistry worker = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        worker.config().commonTags("service", "llm-worker");
        Counter completed = Counter.builder("xiaozhi.stage.completed").tag("stage", "llm").register(worker);
        Counter.builder("xiaozhi.stage.dlq").tag("stage", "llm").register(worker);
        Timer processing = Timer.builder("xiaozhi.stage.processing").tag("stage", "llm").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(worker);
        Gauge.builder("xiaozhi.stage.inflight", () -> 4).tag("stage", "llm").register(worker);
        Gauge.builder("process.cpu.usage", () -> 0.93).register(worker);

        try (MetricsService service = MetricsService.start(settings, meters,
                new MetricsService.Options("monitor-test-" + UUID.randomUUID(), topics));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     new StringSerializer(), new ByteArraySerializer())) {
            if (service.state() != KafkaStreams.State.RUNNING) {
                assertThat(service.latestWindows()).isEmpty();
                assertThat(service.activeAlerts()).isEmpty();
            }
            await("the streams to run", () -> service.state() == KafkaStreams.State.RUNNING);

            long base = System.currentTimeMillis() / 1000 * 1000;
            for (int k = 0; k <= 4; k++) {
                if (k > 0) {
                    for (int i = 1; i <= 20; i++) {
                        processing.record(i * 10L, TimeUnit.MILLISECONDS);
                    }
                    completed.increment(20);
                }
                long t = base + k * 1000 + 100;
                byte[] snapshot = MetricSnapshots.snapshot("llm-worker", "host-1", t, worker).toString().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topics.metrics(), null, t, "llm-worker/host-1", snapshot)).get();
            }

            // windows k = 0..2 close (k = 0 holds the baseline)
            List<JsonNode> history = awaitValue("three windows in the history", () -> {
                List<JsonNode> found = service.history(base, base + 5000);
                return found.size() >= 3 ? found : null;
            });
            JsonNode second = history.get(1);
            assertThat(second.path("service").asText()).isEqualTo("llm-worker");
            assertThat(second.path("stage").asText()).isEqualTo("llm");
            assertThat(second.path("start").asLong()).isEqualTo(base + 1000);
            assertThat(second.path("requests_per_s").asDouble()).isEqualTo(20.0);
            assertThat(second.path("latency_ms").path("count").asLong()).isEqualTo(20);
            assertThat(second.path("latency_ms").path("p50").asDouble()).isBetween(80.0, 120.0);
            assertThat(second.path("inflight").asLong()).isEqualTo(4);
            assertThat(second.path("max_concurrent").asInt()).isEqualTo(10);
            assertThat(second.path("cpu").asDouble()).isEqualTo(93.0);
            assertThat(service.history(base + 10_000, base + 20_000)).isEmpty();

            List<JsonNode> latest = awaitValue("the latest window", () -> {
                List<JsonNode> found = service.latestWindows();
                return found.isEmpty() ? null : found;
            });
            assertThat(latest).singleElement().satisfies(w -> assertThat(w.path("start").asLong()).isGreaterThanOrEqualTo(base + 2000));

            List<JsonNode> published = readAll(kafka, topics.windows(), 3);
            assertThat(published).extracting(w -> w.path("start").asLong()).contains(base, base + 1000, base + 2000);

            List<JsonNode> alerts = readAll(kafka, topics.alerts(), 1);
            JsonNode alert = alerts.get(0);
            assertThat(alert.path("id").asText()).isEqualTo("cpu/llm-worker");
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("value").asDouble()).isEqualTo(93.0);
            assertThat(alert.path("timestamp").asLong()).isEqualTo(base + 1000);

            assertThat(service.activeAlerts()).extracting(a -> a.path("id").asText()).containsExactly("cpu/llm-worker");
            assertThat(service.recentAlerts(10)).extracting(a -> a.path("id").asText()).containsExactly("cpu/llm-worker");

            String posted = webhook.poll(30, TimeUnit.SECONDS);
            assertThat(posted).isNotNull();
            assertThat(JSON.readTree(posted)).isEqualTo(alert);
        } finally {
            server.stop(0);
        }
    }

    private static List<JsonNode> readAll(KafkaTestBroker kafka, String topic, int atLeast) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < atLeast && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(JSON.readTree(record.value()));
                }
            }
        }
        assertThat(out).hasSizeGreaterThanOrEqualTo(atLeast);
        return out;
    }

    private static void await(String what, Supplier<Boolean> condition) throws Exception {
        awaitValue(what, () -> condition.get() ? Boolean.TRUE : null);
    }

    /** Polls {@code probe} every 50 ms until it gives a value (at most 45 s). */
    private static <T> T awaitValue(String what, java.util.concurrent.Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (true) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 45 s for " + what);
            }
            Thread.sleep(50);
        }
    }
}
