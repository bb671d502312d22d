package io.xiaozhi.pipeline.asr;

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
 * An OpenAI-compatible server on a free local port that answers {@code POST /v1/audio/transcriptions}
 * from a script (one reply per request, in order; then the fallback) and keeps every request it got.
 */
final class FakeTranscriptionServer implements AutoCloseable {

    /** A request as the server received it. */
    record Received(String method, String path, com.sun.net.httpserver.Headers headers, byte[] body) {

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** How the server answers one request. */
    @FunctionalInterface
    interface Reply {
        void respond(HttpExchange exchange, FakeTranscriptionServer server) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Deque<Reply> script = new ArrayDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private Reply fallback = status(500, "{\"error\":{\"message\":\"no reply scripted\"}}");

    FakeTranscriptionServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/v1/audio/transcriptions", this::handle);
        server.start();
    }

    /** The base URL as {@code providers.asr.base_url} names it (version prefix included). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Answers the next requests with these replies, in order. */
    synchronized FakeTranscriptionServer then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** Answers every request past the script with this reply. */
    synchronized FakeTranscriptionServer always(Reply reply) {
        fallback = reply;
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    static Reply status(int status, String body) {
        return (exchange, server) -> send(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code {"text": <text>}} with status 200. */
    static Reply transcript(String text) {
        return status(200, "{\"text\":\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }

    /** Answers with {@code reply} after {@code millis}. */
    static Reply after(long millis, Reply reply) {
        return (exchange, server) -> {
            Thread.sleep(millis);
            reply.respond(exchange, server);
        };
    }

    /** Sends status and headers and the first bytes of the body, then holds the rest until the server is closed. */
    static Reply stallBody() {
        return (exchange, server) -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 100);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"te".getBytes(StandardCharsets.UTF_8));
            out.flush();
            server.closing.await();
        };
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
        } catch (IOException e) {
            // the client went away (an aborted call); nothing to answer
        }
    }

    static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
