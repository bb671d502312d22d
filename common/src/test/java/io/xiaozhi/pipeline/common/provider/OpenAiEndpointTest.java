package io.xiaozhi.pipeline.common.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiEndpointTest {

    private static final String KEY = "sk-test-0123456789";

    private HttpServer server;
    private final AtomicReference<com.sun.net.httpserver.Headers> seenHeaders = new AtomicReference<>();
    private final AtomicReference<String> seenPath = new AtomicReference<>();
    private final ProviderMetrics metrics = new ProviderMetrics(new SimpleMeterRegistry());
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            seenHeaders.set(exchange.getRequestHeaders());
            seenPath.set(exchange.getRequestURI().getPath());
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            int status = path.endsWith("/busy") ? 429 : path.endsWith("/broken") ? 503 : path.endsWith("/bad") ? 400 : 200;
            String body = path.endsWith("/bad") ? "{\"error\":{\"message\":\"invalid api key " + KEY + "\"}}" : "{\"ok\":true}";
            if (path.endsWith("/stalls")) {
                exchange.sendResponseHeaders(200, 1000);
                OutputStream out = exchange.getResponseBody();
                out.write("{\"text\":".getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            if (path.endsWith("/slow")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            try {
                exchange.sendResponseHeaders(status, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (IOException clientGone) {
                // the client aborted the call
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
    }

    private OpenAiEndpoint endpoint(String baseUrl) {
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, baseUrl, KEY, "m-1", "",
                Map.of("X-Tenant", "t-9"));
        return new OpenAiEndpoint("llm", provider, OpenAiEndpoint.defaultClient(), metrics);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private HttpRequest post(OpenAiEndpoint endpoint, String path, Duration timeout) {
        return endpoint.request(path, timeout).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    }

    @Test
    void pathsResolveUnderTheBaseUrlWithTheKeyAndConfiguredHeaders() throws IOException {
        OpenAiEndpoint endpoint = endpoint(base());
        HttpResponse<InputStream> response = endpoint.send(post(endpoint, "chat/completions", Duration.ofSeconds(5)), null);
        assertThat(new String(endpoint.readBody(response, 1024), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true}");
        assertThat(seenPath.get()).isEqualTo("/v1/chat/completions");
        assertThat(seenHeaders.get().getFirst("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(seenHeaders.get().getFirst("X-Tenant")).isEqualTo("t-9");
        assertThat(endpoint(base() + "/").uri("/audio/speech").getPath()).isEqualTo("/v1/audio/speech");
    }

    @Test
    void statusesAreClassifiedAndTheKeyIsNeverQuoted() {
        OpenAiEndpoint endpoint = endpoint(base());
        assertThatThrownBy(() -> endpoint.send(post(endpoint, "busy", Duration.ofSeconds(5)), null))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("HTTP 429");
        assertThatThrownBy(() -> endpoint.send(post(endpoint, "broken", Duration.ofSeconds(5)), null))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue());
        assertThatThrownBy(() -> endpoint.send(post(endpoint, "bad", Duration.ofSeconds(5)), null))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("HTTP 400").hasMessageContaining("invalid api key (hidden)").hasMessageNotContaining(KEY);
        assertThat(metrics.count("llm", "http_429")).isEqualTo(1);
        assertThat(metrics.count("llm", "http_5xx")).isEqualTo(1);
        assertThat(metrics.count("llm", "http_4xx")).isEqualTo(1);
    }

    @Test
    void aRefusedConnectionAndASlowAnswerAreRetryable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        OpenAiEndpoint refused = endpoint("http://127.0.0.1:" + closedPort + "/v1");
        assertThatThrownBy(() -> refused.send(post(refused, "chat/completions", Duration.ofSeconds(5)), null))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(metrics.count("llm", "connection")).isEqualTo(1);

        OpenAiEndpoint endpoint = endpoint(base());
        assertThatThrownBy(() -> endpoint.send(post(endpoint, "slow", Duration.ofMillis(300)), null))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("no answer in time");
        assertThat(metrics.count("llm", "timeout")).isEqualTo(1);
    }

    @Test
    void aCancelledTurnAbortsTheCall() {
        OpenAiEndpoint endpoint = endpoint(base());
        CompletableFuture<Void> cancellation = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> cancellation.complete(null));
        long start = System.nanoTime();
        assertThatThrownBy(() -> endpoint.send(post(endpoint, "slow", Duration.ofSeconds(30)), context(cancellation)))
                .isInstanceOf(StageException.class).hasMessageContaining("aborted");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void aBodyThatStallsIsClosedWhenTheAttemptEnds() {
        OpenAiEndpoint endpoint = endpoint(base());
        CompletableFuture<Void> cancellation = new CompletableFuture<>();
        HttpResponse<InputStream> response = endpoint.send(post(endpoint, "stalls", Duration.ofSeconds(30)), context(cancellation));
        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> cancellation.complete(null));
        long start = System.nanoTime();
        assertThatThrownBy(() -> endpoint.readBody(response, 4096))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the read ended when the attempt did").isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void anOversizedBodyIsMalformed() throws IOException {
        OpenAiEndpoint endpoint = endpoint(base());
        HttpResponse<InputStream> response = endpoint.send(post(endpoint, "chat/completions", Duration.ofSeconds(5)), null);
        assertThatThrownBy(() -> endpoint.readBody(response, 4))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("malformed response: the response is larger than 4 bytes");
        assertThat(metrics.count("llm", "malformed")).isEqualTo(1);
    }

    private static StageContext context(CompletableFuture<Void> cancellation) {
        return new StageContext() {
            @Override
            public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletableFuture<RecordMetadata> reply(String type, byte[] payload) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean cancelled() {
                return cancellation.isDone();
            }

            @Override
            public CompletionStage<Void> cancellation() {
                return cancellation;
            }

            @Override
            public Duration timeLeft() {
                return Duration.ofSeconds(30);
            }
        };
    }
}
