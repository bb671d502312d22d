package io.xiaozhi.pipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A device as the firmware behaves: WebSocket with its headers, hello, listen, Opus uplink, and MCP
 * answered from a table of tools. What the server sends is queued in arrival order for the test.
 */
final class TestDevice implements WebSocket.Listener, AutoCloseable {

    /** One message from the server: text (JSON) or binary (an Opus packet). */
    record Received(long atNanos, JsonNode json, byte[] binary) {
        String kind() {
            return json == null ? "audio" : json.path("type").asText() + (json.has("state") ? "/" + json.path("state").asText() : "");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    final String deviceId;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final ExecutorService mcpThread = Executors.newSingleThreadExecutor();
    private final List<JsonNode> tools;
    private final Function<JsonNode, String> toolCalls;
    private volatile JsonNode visionCapability;
    private WebSocket socket;
    private String sessionId = "";

    /**
     * @param tools the tools the device offers in {@code tools/list}
     * @param toolCalls answers a {@code tools/call} request's params with the text of its result
     */
    TestDevice(String deviceId, List<JsonNode> tools, Function<JsonNode, String> toolCalls) {
        this.deviceId = deviceId;
        this.tools = tools;
        this.toolCalls = toolCalls;
    }

    TestDevice connect(int port) throws Exception {
        socket = HttpClient.newHttpClient().newWebSocketBuilder().header("Device-Id", deviceId).header("Client-Id", "client-" + deviceId)
                .header("Protocol-Version", "1")
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/xiaozhi/v1/"), this).get(10, TimeUnit.SECONDS);
        return this;
    }

    /** Says hello with MCP and returns the session id from the server's hello. */
    String hello() throws Exception {
        send("{\"type\":\"hello\",\"version\":1,\"features\":{\"mcp\":true},\"transport\":\"websocket\","
                + "\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}");
        Received hello = next("hello");
        sessionId = hello.json().path("session_id").asText();
        return sessionId;
    }

    JsonNode visionCapability() {
        return visionCapability;
    }

    void send(String json) throws Exception {
        socket.sendText(json, true).get(10, TimeUnit.SECONDS);
    }

    void listen(String state, String mode) throws Exception {
        send("{\"session_id\":\"" + sessionId + "\",\"type\":\"listen\",\"state\":\"" + state + "\",\"mode\":\"" + mode + "\"}");
    }

    void detect(String text) throws Exception {
        ObjectNode message = JSON.createObjectNode().put("session_id", sessionId).put("type", "listen").put("state", "detect").put("text", text);
        send(message.toString());
    }

    void sendAudio(byte[] packet) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(packet), true).get(10, TimeUnit.SECONDS);
    }

    /** The next message of {@code kind} (e.g. {@code tts/start}, {@code stt}, {@code audio}), skipping none. */
    Received next(String kind) throws InterruptedException {
        Received r = next();
        assertThat(r.kind()).as("the next message from the server").isEqualTo(kind);
        return r;
    }

    Received next() throws InterruptedException {
        Received r = received.poll(60, TimeUnit.SECONDS);
        assertThat(r).as("a message from the server within 60 s").isNotNull();
        return r;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                JsonNode json = JSON.readTree(text);
                if (json.path("type").asText().equals("mcp")) {
                    JsonNode payload = json.path("payload");
                    mcpThread.execute(() -> answerMcp(payload));
                } else {
                    received.add(new Received(System.nanoTime(), json, null));
                }
            } catch (Exception e) {
                received.add(new Received(System.nanoTime(), JSON.createObjectNode().put("type", "unparsable").put("text", text), null));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        received.add(new Received(System.nanoTime(), null, bytes));
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete("error " + error);
    }

    private void answerMcp(JsonNode request) {
        try {
            String method = request.path("method").asText();
            ObjectNode result = JSON.createObjectNode();
            switch (method) {
                case "initialize" -> {
                    visionCapability = request.path("params").path("capabilities").path("vision");
                    result.put("protocolVersion", "2024-11-05");
                    result.putObject("capabilities").putObject("tools");
                    result.putObject("serverInfo").put("name", "test-board").put("version", "1.6.0");
                }
                case "tools/list" -> result.putArray("tools").addAll(tools);
                case "tools/call" -> {
                    String text = toolCalls.apply(request.path("params"));
                    result.putArray("content").addObject().put("type", "text").put("text", text);
                    result.put("isError", false);
                }
                default -> {
                    return;
                }
            }
            ObjectNode answer = JSON.createObjectNode().put("session_id", sessionId).put("type", "mcp");
            answer.putObject("payload").put("jsonrpc", "2.0").put("id", request.path("id").asLong()).set("result", result);
            send(answer.toString());
        } catch (Exception e) {
            throw new IllegalStateException("the test device could not answer MCP " + request, e);
        }
    }

    @Override
    public void close() {
        mcpThread.shutdownNow();
        if (socket != null) {
            socket.abort();
        }
    }
}
