package io.xiaozhi.pipeline.tts;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** A local stand-in for an OpenAI-compatible {@code audio/speech} endpoint, answering from a script. */
final class FakeSpeechServer implements AutoCloseable {

    /** One request as received. */
    record Exchange(String method, String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }
    }

    /** How to answer one request. */
    @FunctionalInterface
    interface Answer {
        void answer(HttpExchange exchange, CountDownLatch closing) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Answer> script;
    private final List<Exchange> requests = new ArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    /** Answers the requests in turn with {@code script}; the last answer repeats. */
    FakeSpeechServer(Answer... script) throws IOException {
        this.script = List.of(script);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            Answer answer;
            synchronized (requests) {
                requests.add(new Exchange(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        Map.copyOf(exchange.getRequestHeaders()), new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                answer = this.script.get(Math.min(requests.size(), this.script.size()) - 1);
            }
            try {
                answer.answer(exchange, closing);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the client went away (a timeout or a cancellation under test)
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    List<Exchange> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A whole body with a status and content type (none if {@code null}). */
    static Answer body(int status, String contentType, byte[] body) {
        return (exchange, closing) -> {
            if (contentType != null) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        };
    }

    static Answer text(int status, String contentType, String body) {
        return body(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * 200 with {@code first}, then (once {@code proceed} opens, or after 10 s) {@code rest}, chunked;
     * {@code released} tells whether {@code proceed} opened before the 10 s.
     */
    static Answer streamed(String contentType, byte[] first, CountDownLatch proceed, byte[] rest, AtomicBoolean released) {
        return (exchange, closing) -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(first);
                out.flush();
                released.set(proceed.await(10, TimeUnit.SECONDS));
                out.write(rest);
            }
        };
    }

    /** Never answers (until the server closes). */
    static Answer silent() {
        return (exchange, closing) -> closing.await(30, TimeUnit.SECONDS);
    }

    /** Sends the headers and {@code first}, then nothing more (until the server closes). */
    static Answer stalled(String contentType, byte[] first) {
        return (exchange, closing) -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(first);
            out.flush();
            closing.await(30, TimeUnit.SECONDS);
        };
    }

    /** 16-bit little-endian PCM, the {@code pcm} response format. */
    static byte[] pcm(short[] samples) {
        ByteBuffer out = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short sample : samples) {
            out.putShort(sample);
        }
        return out.array();
    }

    /** {@code seconds} of a sine of {@code hertz} at {@code rate}, a stand-in for speech. */
    static short[] tone(double hertz, int rate, double seconds) {
        short[] out = new short[(int) Math.round(seconds * rate)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) Math.round(8000 * Math.sin(2 * Math.PI * hertz * i / rate));
        }
        return out;
    }
}
