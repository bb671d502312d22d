package io.xiaozhi.pipeline.vllm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible server on a free local port that answers {@code POST /v1/chat/completions}
 * from a script (one reply per request, in order; then the fallback) and keeps every request it got.
 */
final class FakeOpenAi implements AutoCloseable {

    /** A request as the server received it. */
    record Received(String method, String path, com.sun.net.httpserver.Headers headers, byte[] body) {

        String header(String name) {
            return headers.getFirst(name);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** How the server answers one request. */
    @FunctionalInterface
    interface Reply {
        void respond(HttpExchange exchange, FakeOpenAi server) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Deque<Reply> script = new ArrayDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private Reply fallback = status(500, "{\"error\":{\"message\":\"no reply scripted\"}}");

    FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The base URL as {@code providers.vllm.base_url} names it (version prefix included). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Answers the next requests with these replies, in order. */
    synchronized FakeOpenAi then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** Answers every request past the script with this reply. */
    synchronized FakeOpenAi always(Reply reply) {
        fallback = reply;
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    static Reply status(int status, String body) {
        return (exchange, server) -> send(exchange, status, body);
    }

    /** A chat completion whose message content is {@code contentJson} (a JSON value). */
    static Reply completion(String contentJson) {
        return status(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"vision-test\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":" + contentJson + "},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":9,\"total_tokens\":99}}");
    }

    /** Never answers: holds the request until the server is closed. */
    static Reply hang() {
        return (exchange, server) -> server.closing.await();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), exchange.getRequestHeaders(), body));
            Reply reply;
            synchronized (this) {
                reply = script.isEmpty() ? fallback : script.poll();
            }
            reply.respond(exchange, this);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
