package io.xiaozhi.pipeline.loadtest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * A gateway reduced to one scripted turn, for testing the fleet: it answers hello, and once a turn has
 * brought {@code answerAfterPackets} audio packets (or {@code listen stop}) it sends {@code stt},
 * {@code tts start}, {@code sentence_start}, {@code replyFrames} frames one per 60 ms on a schedule that
 * does not drift (frame {@code delayedFrame}, when not negative, and those after it {@code delayMs}
 * later), then {@code tts stop}. {@code busy} answers an alert and {@code tts stop} instead;
 * {@code silent} never answers a turn; {@code apologise} sends {@code stt}, the apology alert and {@code tts stop}.
 */
final class FakeGateway implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    int answerAfterPackets = 12;
    int replyFrames = 10;
    int delayedFrame = -1;
    long delayMs;
    boolean busy;
    boolean silent;
    boolean apologise;

    final List<String> deviceIds = new CopyOnWriteArrayList<>();
    final List<String> protocolVersions = new CopyOnWriteArrayList<>();
    final AtomicInteger audioPackets = new AtomicInteger();
    final AtomicInteger malformedPackets = new AtomicInteger();
    final AtomicInteger listenStarts = new AtomicInteger();

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final Map<String, AtomicInteger> turnPackets = new ConcurrentHashMap<>();
    private final Javalin app;

    FakeGateway() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.ws("/xiaozhi/v1/", ws -> {
                ws.onConnect(ctx -> {
                    deviceIds.add(ctx.header("Device-Id"));
                    protocolVersions.add(ctx.header("Protocol-Version"));
                });
                ws.onMessage(ctx -> onText(ctx, JSON.readTree(ctx.message())));
                ws.onBinaryMessage(ctx -> {
                    ByteBuffer data = ctx.data();
                    byte[] frame = new byte[data.remaining()];
                    data.duplicate().get(frame);
                    if (Framing.decode(version(ctx), frame) == null) {
                        malformedPackets.incrementAndGet();
                        return;
                    }
                    audioPackets.incrementAndGet();
                    if (turnPackets.computeIfAbsent(ctx.sessionId(), k -> new AtomicInteger()).incrementAndGet() == answerAfterPackets) {
                        answer(ctx);
                    }
                });
            });
        }).start("127.0.0.1", 0);
    }

    int port() {
        return app.port();
    }

    String url() {
        return "ws://127.0.0.1:" + port() + "/xiaozhi/v1/";
    }

    private static int version(WsContext ctx) {
        String v = ctx.header("Protocol-Version");
        return v == null ? 1 : Integer.parseInt(v);
    }

    private void onText(WsContext ctx, JsonNode message) {
        switch (message.path("type").asText()) {
            case "hello" -> send(ctx, "{\"type\":\"hello\",\"transport\":\"websocket\",\"session_id\":\"" + ctx.sessionId()
                    + "\",\"audio_params\":{\"format\":\"opus\",\"sample_rate\":24000,\"channels\":1,\"frame_duration\":60}}");
            case "listen" -> {
                String state = message.path("state").asText();
                if (state.equals("start")) {
                    listenStarts.incrementAndGet();
                    turnPackets.put(ctx.sessionId(), new AtomicInteger());
                } else if (state.equals("stop")) {
                    answer(ctx);
                }
            }
            default -> {
            }
        }
    }

    private void answer(WsContext ctx) {
        if (silent) {
            return;
        }
        if (busy) {
            send(ctx, "{\"type\":\"alert\",\"status\":\"Warning\",\"message\":\"busy\",\"emotion\":\"sad\"}");
            send(ctx, "{\"type\":\"tts\",\"state\":\"start\"}");
            send(ctx, "{\"type\":\"tts\",\"state\":\"stop\"}");
            return;
        }
        send(ctx, "{\"type\":\"stt\",\"text\":\"what time is it\"}");
        if (apologise) {
            send(ctx, "{\"type\":\"alert\",\"status\":\"Error\",\"message\":\"sorry\",\"emotion\":\"sad\"}");
            send(ctx, "{\"type\":\"tts\",\"state\":\"start\"}");
            send(ctx, "{\"type\":\"tts\",\"state\":\"stop\"}");
            return;
        }
        send(ctx, "{\"type\":\"tts\",\"state\":\"start\"}");
        send(ctx, "{\"type\":\"tts\",\"state\":\"sentence_start\",\"text\":\"It is ten.\"}");
        int version = version(ctx);
        long start = System.nanoTime();
        for (int i = 0; i < replyFrames; i++) {
            long at = i * 60L + (delayedFrame >= 0 && i >= delayedFrame ? delayMs : 0);
            byte[] frame = Framing.encode(version, new byte[] {(byte) 0xf8, (byte) i, 1, 2, 3}, at);
            scheduler.schedule(() -> sendBinary(ctx, frame), start + at * 1_000_000 - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        long stopAt = (replyFrames - 1) * 60L + (delayedFrame >= 0 ? delayMs : 0) + 100;
        scheduler.schedule(() -> send(ctx, "{\"type\":\"tts\",\"state\":\"stop\"}"), start + stopAt * 1_000_000 - System.nanoTime(),
                TimeUnit.NANOSECONDS);
    }

    private static void send(WsContext ctx, String text) {
        synchronized (ctx.session) {
            if (ctx.session.isOpen()) {
                ctx.session.sendText(text, Callback.NOOP);
            }
        }
    }

    private static void sendBinary(WsContext ctx, byte[] frame) {
        synchronized (ctx.session) {
            if (ctx.session.isOpen()) {
                ctx.session.sendBinary(ByteBuffer.wrap(frame), Callback.NOOP);
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        app.stop();
    }
}
