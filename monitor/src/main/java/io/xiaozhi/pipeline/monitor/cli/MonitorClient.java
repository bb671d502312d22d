package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads a running monitor's JSON API ({@code /api/lag}, {@code /api/metrics}, {@code /api/alerts},
 * {@code /api/history}). Every failure, a refused connection, a time-out, a status other than 200 or
 * a body that is not the expected JSON, is a {@link MonitorUnreachableException} that says which URL
 * and why.
 */
public final class MonitorClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public MonitorClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * The base URL of a monitor from {@code --url}: {@code http://} or {@code https://}, a host, an
     * optional port, and no query; a trailing slash is added.
     *
     * @throws UsageException when it is not such a URL
     */
    public static URI baseUrl(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new UsageException("--url: not a URL: " + text);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new UsageException("--url: must be http://host[:port] or https://host[:port], not " + text);
        }
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath().endsWith("/") ? uri.getPath() : uri.getPath() + "/";
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path);
    }

    public URI base() {
        return base;
    }

    public JsonNode lag() throws MonitorUnreachableException {
        return get("api/lag", "stages");
    }

    public JsonNode metrics() throws MonitorUnreachableException {
        return get("api/metrics", "windows");
    }

    public JsonNode alerts(int limit) throws MonitorUnreachableException {
        return get("api/alerts?limit=" + limit, "active");
    }

    public JsonNode history(long from, long to) throws MonitorUnreachableException {
        return get("api/history?from=" + from + "&to=" + to, "windows");
    }

    /** GETs {@code path} below the base URL and checks that the answer is a JSON object with an array {@code field}. */
    JsonNode get(String path, String field) throws MonitorUnreachableException {
        URI uri = base.resolve(path);
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new MonitorUnreachableException("cannot reach the monitor at " + uri + ": connection refused", e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new MonitorUnreachableException("cannot reach the monitor at " + uri + ": no answer within " + TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new MonitorUnreachableException("cannot reach the monitor at " + uri + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MonitorUnreachableException("interrupted while reading " + uri, e);
        }
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() != 200) {
            String error = body != null && body.path("error").isTextual() ? body.get("error").asText() : abbreviate(response.body());
            throw new MonitorUnreachableException("the monitor at " + uri + " answered " + response.statusCode() + ": " + error);
        }
        if (body == null || !body.isObject() || !body.path(field).isArray()) {
            throw new MonitorUnreachableException("the monitor at " + uri + " answered something that is not its API ("
                    + abbreviate(response.body()) + ")");
        }
        return body;
    }

    private static String abbreviate(String text) {
        String flat = text == null ? "" : text.replaceAll("\\s+", " ").trim();
        return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
    }
}
