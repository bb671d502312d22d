package io.xiaozhi.pipeline.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.service.MetricSnapshots;
import io.xiaozhi.pipeline.common.service.ServiceHost;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor as {@code monitor serve} runs it, on the pipeline's own topic names: requests wait on a
 * stage nobody consumes (the lag loop says STOP, the topology raises {@code lag_stop}), a worker's
 * snapshots become windows with a CPU alert, and all of it reaches the HTTP API.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MonitorServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode await(int port, String path, Predicate<JsonNode> until, String what) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            last = get(port, path);
            if (until.test(last)) {
                return last;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + " within 60 s; last answer of " + path + ": " + last);
    }

    @Test
    void lagMetricsAndAlertsReachTheApi(KafkaTestBroker kafka, @TempDir Path data) throws Exception {
        int port = freePort();
        Settings settings = ConfigLoader.load(data, Map.of(
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "XIAOZHI_MONITOR_HOST", "127.0.0.1",
                "XIAOZHI_MONITOR_PORT", Integer.toString(port),
                "XIAOZHI_MONITOR_INTERVAL", "1",
                "XIAOZHI_MONITOR_WINDOW_SECONDS", "1",
                "XIAOZHI_MONITOR_LAG_INTERVAL", "1",
                "XIAOZHI_MONITOR_LAG_WINDOW_SECONDS", "2",
                "XIAOZHI_METRICS_PORT", "0"));
        // the suite's shared admin client: not to be closed
        new TopicProvisioner(kafka.admin(), Duration.ofSeconds(30)).ensure(new Topics(settings.config().kafka()).pipelineTopics());
        // a worker whose process is busy (a registry of its own: ServiceHost's binds the real CPU meter)
        PrometheusMeterRegistry worker = new PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        worker.config().commonTags("service", "asr-worker");
        Gauge.builder("process.cpu.usage", () -> 0.97).register(worker);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(Topics.requests(io.xiaozhi.pipeline.common.Stage.ASR), "session-" + i, new byte[] {1})).get();
            }
            PrometheusMeterRegistry registry = ServiceHost.newRegistry("monitor");
            ServiceHost host = ServiceHost.start("monitor", settings, registry, -1);
            try (MonitorService service = MonitorService.start(settings, registry);
                 MonitorMain.Running running = MonitorMain.serve(settings, service, host)) {
                assertThat(get(port, "/health").path("status").asText()).isEqualTo("UP");
                JsonNode lag = await(port, "/api/lag", answer -> stage(answer, "asr") != null
                        && stage(answer, "asr").path("state").asText().equals("STOP"), "the asr stage in STOP");
                assertThat(stage(lag, "asr").path("records").asLong()).isEqualTo(3);
                assertThat(lag.path("stages")).hasSize(4);

                // a worker's snapshots, one a second, as its service host publishes them
                Thread feeder = new Thread(() -> {
                    try {
                        for (int i = 0; i < 40 && !Thread.currentThread().isInterrupted(); i++) {
                            long now = System.currentTimeMillis();
                            producer.send(new ProducerRecord<>(Topics.METRICS, null, now, "asr-worker/host-1",
                                    MetricSnapshots.snapshot("asr-worker", "host-1", now, worker).toString().getBytes(StandardCharsets.UTF_8)));
                            Thread.sleep(1000);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                feeder.start();
                try {
                    JsonNode metrics = await(port, "/api/metrics", answer -> answer.path("windows").findValuesAsText("service")
                            .contains("asr-worker"), "a metric window of the worker");
                    assertThat(metrics.path("windows")).extracting(w -> w.path("service").asText()).contains("asr-worker");
                    JsonNode alerts = await(port, "/api/alerts", answer -> ids(answer).contains("lag_stop/asr")
                            && ids(answer).contains("cpu/asr-worker"), "the lag_stop and cpu alerts");
                    assertThat(ids(alerts)).contains("lag_stop/asr", "cpu/asr-worker");
                } finally {
                    feeder.interrupt();
                    feeder.join();
                }
            } finally {
                host.close();
            }
        }
    }

    private static JsonNode stage(JsonNode lag, String id) {
        for (JsonNode stage : lag.path("stages")) {
            if (stage.path("stage").asText().equals(id)) {
                return stage;
            }
        }
        return null;
    }

    private static java.util.List<String> ids(JsonNode alerts) {
        java.util.List<String> ids = new java.util.ArrayList<>();
        alerts.path("active").forEach(a -> ids.add(a.path("id").asText()));
        return ids;
    }
}
