package io.xiaozhi.pipeline.common.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One OpenAI-compatible HTTP API as configured for a stage ({@code providers.<stage>} in
 * {@code config.yaml}): where it is, how to authenticate, which extra headers to send, and how its
 * failures are classified for the stage runtime.
 *
 * <p>{@code base_url} is what the OpenAI SDKs call the base URL, version prefix included
 * ({@code https://api.openai.com/v1}, {@code https://dashscope.aliyuncs.com/compatible-mode/v1},
 * {@code https://ark.cn-beijing.volces.com/api/v3}, {@code http://localhost:11434/v1}); request paths
 * such as {@code chat/completions} are resolved against it.
 *
 * <p>Failures become {@link StageException}s: HTTP 408, 429 and 5xx, timeouts and connection errors
 * are retryable; other statuses are not. Error messages quote at most {@value #MAX_QUOTED_CHARS}
 * characters of the provider's body and never the API key. Each failure is counted in
 * {@link ProviderMetrics}.
 */
public final class OpenAiEndpoint {

    static final int MAX_QUOTED_CHARS = 300;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String stage;
    private final URI baseUrl;
    private final String apiKey;
    private final String model;
    private final Map<String, String> headers;
    private final HttpClient client;
    private final ProviderMetrics metrics;

    public OpenAiEndpoint(String stage, ServiceConfig.Provider provider, HttpClient client, ProviderMetrics metrics) {
        this.stage = stage;
        String base = provider.baseUrl().endsWith("/") ? provider.baseUrl() : provider.baseUrl() + "/";
        this.baseUrl = URI.create(base);
        this.apiKey = provider.apiKey();
        this.model = provider.model();
        this.headers = Map.copyOf(provider.headers());
        this.client = client;
        this.metrics = metrics;
    }

    /** An HTTP/1.1 client with a 5 s connect timeout, shared by a service's endpoints. */
    public static HttpClient defaultClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public String stage() {
        return stage;
    }

    public String model() {
        return model;
    }

    public ProviderMetrics metrics() {
        return metrics;
    }

    /** {@code path} (such as {@code chat/completions}) resolved against the base URL. */
    public URI uri(String path) {
        return baseUrl.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    /** A request to {@code path} with the API key, the configured headers and {@code timeout}. */
    public HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path)).timeout(positive(timeout));
        if (!apiKey.isBlank()) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        headers.forEach(builder::header);
        return builder;
    }

    /**
     * Sends {@code request} and returns the response with its body still to be read, once the status
     * is 2xx. A cancellation of the turn (or the attempt's timeout) aborts the exchange, and later
     * closes the body, so reading a body that stalls ends too. Anything else becomes a classified
     * {@link StageException}.
     */
    public HttpResponse<InputStream> send(HttpRequest request, StageContext context) {
        CompletableFuture<HttpResponse<InputStream>> exchange = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        if (context != null) {
            context.cancellation().whenComplete((ignored, error) -> exchange.cancel(true));
        }
        HttpResponse<InputStream> response;
        try {
            response = exchange.get();
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new StageException(stage + " provider: interrupted", true, e);
        } catch (CancellationException e) {
            throw new StageException(stage + " provider: call aborted (turn cancelled or attempt timed out)", true, e);
        } catch (ExecutionException e) {
            throw transportFailure(e.getCause() == null ? e : e.getCause());
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            String body = quote(readQuietly(response.body()));
            metrics.failure(stage, status == 429 ? "http_429" : status >= 500 ? "http_5xx" : "http_4xx");
            throw StageException.httpStatus(status, stage + " provider at " + uri("").getHost() + " answered: " + body);
        }
        if (context != null) {
            // the request timeout stops applying once the headers are in: a body that stalls is closed
            // when the turn is cancelled or the attempt times out, which ends a blocked read
            InputStream responseBody = response.body();
            context.cancellation().whenComplete((ignored, error) -> closeQuietly(responseBody));
        }
        return response;
    }

    /** Reads a whole 2xx body of at most {@code maxBytes}; a longer one is a non-retryable failure. */
    public byte[] readBody(HttpResponse<InputStream> response, int maxBytes) {
        try (InputStream in = response.body()) {
            byte[] body = in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                throw malformed("the response is larger than " + maxBytes + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw transportFailure(e);
        }
    }

    /** A 2xx body as the JSON object every answer of these APIs is; anything else is {@link #malformed}. */
    public ObjectNode jsonObject(byte[] body) {
        if (body.length == 0) {
            throw malformed("the body is empty");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw malformed("the body is not JSON (" + quote(String.valueOf(e.getOriginalMessage())) + ")");
        } catch (IOException e) {
            throw malformed("the body is not JSON (" + quote(String.valueOf(e.getMessage())) + ")");
        }
        if (root == null || !root.isObject()) {
            throw malformed("the body is not a JSON object");
        }
        return (ObjectNode) root;
    }

    /** A non-retryable failure for a response that is not what the API promises; counted as malformed. */
    public StageException malformed(String what) {
        metrics.failure(stage, "malformed");
        return new StageException(stage + " provider: malformed response: " + what, false);
    }

    /** A failure while talking to the provider (connection refused or reset, timeout): retryable. */
    public StageException transportFailure(Throwable cause) {
        if (cause instanceof StageException stageException) {
            return stageException;
        }
        if (cause instanceof HttpTimeoutException) {
            metrics.failure(stage, "timeout");
            return new StageException(stage + " provider: no answer in time (" + cause.getMessage() + ")", true, cause);
        }
        if (cause instanceof CancellationException) {
            return new StageException(stage + " provider: call aborted (turn cancelled or attempt timed out)", true, cause);
        }
        metrics.failure(stage, "connection");
        String reason = cause instanceof ConnectException ? "cannot connect to " + uri("").getAuthority() : String.valueOf(cause.getMessage());
        return new StageException(stage + " provider: " + cause.getClass().getSimpleName() + ": " + reason, true, cause);
    }

    private String quote(String body) {
        String text = body.replace('\n', ' ').replace('\r', ' ').strip();
        if (!apiKey.isBlank()) {
            text = text.replace(apiKey, "(hidden)");
        }
        if (text.isEmpty()) {
            return "(empty body)";
        }
        return text.length() > MAX_QUOTED_CHARS ? text.substring(0, MAX_QUOTED_CHARS) + "…" : text;
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing is how a stalled read is ended; nothing more to do
        }
    }

    private static String readQuietly(InputStream body) {
        try (InputStream in = body) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(body unreadable: " + e.getMessage() + ")";
        }
    }

    private static Duration positive(Duration timeout) {
        return timeout.isNegative() || timeout.isZero() ? Duration.ofMillis(1) : timeout;
    }
}
