package io.xiaozhi.pipeline.llm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible chat completions endpoint on a local port, answering from a script: each
 * request takes the next response (an event stream written by hand, an HTTP error, or a stream that
 * stalls). Every request's body and headers are kept.
 */
public final class FakeOpenAi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scripted answer. */
    @FunctionalInterface
    public interface Response {
        void write(HttpExchange exchange, CountDownLatch closing) throws IOException, InterruptedException;
    }

    /** A request as received. */
    public record Received(JsonNode body, Map<String, List<String>> headers) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Response> script = new ConcurrentLinkedQueue<>();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch closing = new CountDownLatch(1);

    public FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", this::serve);
        server.setExecutor(executor);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public FakeOpenAi then(Response response) {
        script.add(response);
        return this;
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            Headers headers = exchange.getRequestHeaders();
            received.add(new Received(JSON.readTree(exchange.getRequestBody().readAllBytes()), Map.copyOf(headers)));
            Response response = script.poll();
            if (response == null) {
                status(500, "{\"error\":{\"message\":\"the test script has no more responses\"}}").write(exchange, closing);
                return;
            }
            response.write(exchange, closing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A complete event stream: each event's data, then {@code [DONE]} when {@code done}. */
    public static Response stream(boolean done, String... events) {
        return (exchange, closing) -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (String event : events) {
                out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            if (done) {
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
        };
    }

    public static Response stream(String... events) {
        return stream(true, events);
    }

    /** Writes {@code events}, then stalls until the fake is closed. */
    public static Response stalling(String... events) {
        return (exchange, closing) -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (String event : events) {
                out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            closing.await(60, TimeUnit.SECONDS);
        };
    }

    public static Response status(int status, String body) {
        return (exchange, closing) -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    /** A chunk with text. */
    public static String text(String content) {
        ObjectNode chunk = chunk();
        ((ObjectNode) chunk.get("choices").get(0).get("delta")).put("content", content);
        return chunk.toString();
    }

    /** A chunk with a piece of a tool call; null parts are left out. */
    public static String toolPiece(int index, String id, String name, String arguments) {
        ObjectNode chunk = chunk();
        ArrayNode calls = ((ObjectNode) chunk.get("choices").get(0).get("delta")).putArray("tool_calls");
        ObjectNode call = calls.addObject();
        call.put("index", index);
        if (id != null) {
            call.put("id", id);
            call.put("type", "function");
        }
        ObjectNode function = call.putObject("function");
        if (name != null) {
            function.put("name", name);
        }
        if (arguments != null) {
            function.put("arguments", arguments);
        }
        return chunk.toString();
    }

    /** The last chunk, with its finish reason. */
    public static String finish(String reason) {
        ObjectNode chunk = chunk();
        ((ObjectNode) chunk.get("choices").get(0)).put("finish_reason", reason);
        return chunk.toString();
    }

    private static ObjectNode chunk() {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", "chatcmpl-test");
        chunk.put("object", "chat.completion.chunk");
        chunk.put("model", "test-model");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta");
        choice.putNull("finish_reason");
        return chunk;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
