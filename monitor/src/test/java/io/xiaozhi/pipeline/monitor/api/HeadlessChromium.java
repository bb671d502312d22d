package io.xiaozhi.pipeline.monitor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol with {@code java.net.http}: no
 * WebDriver, no driver binary whose version must match the browser, and no dependency beyond the JDK
 * and Jackson. The browser runs with its own throw-away profile and is ended (with its child
 * processes) by {@link #close()}.
 */
final class HeadlessChromium implements AutoCloseable {

    /** Set to {@code required} (CI does) to fail instead of skipping when no browser is installed. */
    static final String REQUIRED_VARIABLE = "XIAOZHI_TEST_BROWSER";
    /** Path of the browser binary, when it is not {@code chromium} on the PATH. */
    static final String BINARY_VARIABLE = "XIAOZHI_TEST_CHROMIUM";

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser binary: {@value #BINARY_VARIABLE}, else {@code chromium} or {@code chromium-browser} on the PATH. */
    static Optional<Path> find() {
        String explicit = System.getenv(BINARY_VARIABLE);
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(Path.of(explicit)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator))
                .flatMap(dir -> Stream.of(Path.of(dir, "chromium"), Path.of(dir, "chromium-browser")))
                .filter(Files::isExecutable).findFirst();
    }

    /** Starts the browser with a window of {@code width} × {@code height} and attaches to its first page. */
    static HeadlessChromium launch(Path binary, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("xiaozhi-chromium-");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
                if (!process.isAlive()) {
                    throw new IOException("chromium exited with " + process.exitValue() + ": " + log(profile));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("chromium did not open its DevTools port within 30 s: " + log(profile));
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            JsonNode targets = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
            String pageSocket = null;
            for (JsonNode target : targets) {
                if ("page".equals(target.path("type").asText())) {
                    pageSocket = target.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (pageSocket == null) {
                throw new IOException("chromium has no page to drive: " + targets);
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            Listener listener = new Listener(message -> self[0].onMessage(message));
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), listener).get(10, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(process, profile, socket);
            self[0].call("Page.enable", null);
            self[0].call("Runtime.enable", null);
            return self[0];
        } catch (IOException | InterruptedException | RuntimeException e) {
            kill(process);
            throw e;
        } catch (Exception e) {
            kill(process);
            throw new IOException("cannot attach to chromium: " + e, e);
        }
    }

    /** Calls a DevTools method and waits for its result (10 s at most). */
    JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        ObjectNode message = json.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            socket.sendText(json.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
            JsonNode reply = answer.get(10, TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new IllegalStateException(method + " failed: " + reply.get("error"));
            }
            return reply.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " interrupted", e);
        } catch (Exception e) {
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException(method + " failed: " + e, e);
        } finally {
            pending.remove(id);
        }
    }

    void navigate(String url) {
        ObjectNode params = json.createObjectNode();
        params.put("url", url);
        call("Page.navigate", params);
    }

    /** The value of a JavaScript expression in the page (JSON-serialisable values only). */
    JsonNode evaluate(String expression) {
        ObjectNode params = json.createObjectNode();
        params.put("expression", expression);
        params.put("returnByValue", true);
        params.put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("page threw on " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Evaluates {@code expression} every 100 ms until {@code done} accepts its value; the last value, or a failure naming {@code what}. */
    JsonNode await(String what, String expression, Predicate<JsonNode> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            try {
                JsonNode value = evaluate(expression);
                if (done.test(value)) {
                    return value;
                }
                last = value;
            } catch (IllegalStateException e) {
                last = e.getMessage(); // the page may still be loading
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the page did not show " + what + " within " + timeout.toSeconds() + " s; last value of "
                + expression + ": " + last);
    }

    /** A PNG of the page as it is drawn now. */
    byte[] screenshot() {
        ObjectNode params = json.createObjectNode();
        params.put("format", "png");
        params.put("captureBeyondViewport", true);
        return Base64.getDecoder().decode(call("Page.captureScreenshot", params).path("data").asText());
    }

    private void onMessage(String text) {
        try {
            JsonNode message = json.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> answer = pending.get(message.get("id").asInt());
                if (answer != null) {
                    answer.complete(message);
                }
            }
        } catch (IOException e) {
            pending.values().forEach(answer -> answer.completeExceptionally(e));
        }
    }

    private static String log(Path profile) {
        try {
            String text = Files.readString(profile.resolve("chromium.log"));
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        socket.abort();
        kill(process);
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            // a temporary profile left behind is harmless
        }
    }

    /** Collects text frames (which may arrive in parts) into whole messages. */
    private static final class Listener implements WebSocket.Listener {
        private final java.util.function.Consumer<String> messages;
        private final StringBuilder partial = new StringBuilder();

        Listener(java.util.function.Consumer<String> messages) {
            this.messages = messages;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                messages.accept(message);
            }
            webSocket.request(1);
            return null;
        }
    }
}
