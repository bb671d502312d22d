package io.xiaozhi.pipeline.loadtest.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.loadtest.fleet.FleetStats.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated ESP32 as the firmware behaves: OTA check-in if asked, the WebSocket with the
 * firmware's headers, hello, then turns of {@code listen start}, the utterance as Opus at real-time
 * pace (one packet per 60 ms on the shared scheduler, no thread of its own), silence (auto mode) or
 * {@code listen stop} (manual), and the reply up to {@code tts stop}. It measures each turn into the
 * fleet's {@link FleetStats}; {@link #done()} completes when the device has finished its turns or
 * failed.
 *
 * <p>Late frames: frame {@code i} of a reply has its slot at {@code t0 + i × 60 ms}, {@code t0} being
 * the arrival of the first frame; a frame arriving more than the late threshold after its slot is late,
 * and the schedule then restarts from it (the device's playback resumes when audio arrives again), so
 * one stall counts once rather than for every frame after it.
 */
final class SimulatedDevice implements WebSocket.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedDevice.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FRAME_NANOS = FleetSettings.FRAME.toNanos();

    private final String deviceId;
    private final String clientId = UUID.randomUUID().toString();
    private final FleetSettings settings;
    private final HttpClient client;
    private final ScheduledExecutorService scheduler;
    private final Utterance utterance;
    private final FleetStats stats;
    private final long stopStartingAtNanos;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    private WebSocket socket;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
    private String sessionId = "";
    private long connectStartNanos;
    private long helloSentNanos;
    private boolean helloReceived;
    private ScheduledFuture<?> helloTimeout;
    private int turnsDone;
    private Turn turn;
    private boolean finished;

    /** One turn's state, guarded by the device's lock. */
    private final class Turn {
        int packetsSent;
        int silenceLeft;
        long endOfSpeechNanos;
        long sttNanos;
        boolean replyStarted;
        Outcome alerted;
        int frames;
        int slotIndex;
        long anchorNanos;
        int anchorIndex;
        long lastFrameNanos;
        ScheduledFuture<?> packets;
        ScheduledFuture<?> timeout;
    }

    SimulatedDevice(String deviceId, FleetSettings settings, HttpClient client, ScheduledExecutorService scheduler, Utterance utterance,
                    FleetStats stats, long stopStartingAtNanos) {
        this.deviceId = deviceId;
        this.settings = settings;
        this.client = client;
        this.scheduler = scheduler;
        this.utterance = utterance;
        this.stats = stats;
        this.stopStartingAtNanos = stopStartingAtNanos;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    /** Checks in (when OTA is set) and connects. */
    void start() {
        if (settings.ota() == null) {
            connect(settings.url(), settings.token());
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("version", 2).put("language", "en-US").put("mac_address", deviceId).put("uuid", clientId)
                .put("chip_model_name", "esp32s3");
        body.putObject("application").put("name", "xiaozhi").put("version", "1.6.0");
        body.putObject("board").put("type", "loadtest").put("name", "loadtest").put("mac", deviceId);
        HttpRequest request = HttpRequest.newBuilder(settings.ota()).timeout(Duration.ofSeconds(10)).header("Device-Id", deviceId)
                .header("Client-Id", clientId).header("User-Agent", "loadtest/1.6.0").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        connectStartNanos = System.nanoTime();
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            if (failure != null || response.statusCode() != 200) {
                fail("OTA check-in failed: " + (failure != null ? failure : "HTTP " + response.statusCode() + " " + response.body()));
                return;
            }
            try {
                JsonNode websocket = JSON.readTree(response.body()).path("websocket");
                String url = websocket.path("url").asText("");
                if (url.isEmpty()) {
                    fail("the OTA answer has no websocket.url: " + response.body());
                    return;
                }
                String token = websocket.path("token").asText("");
                connect(URI.create(url), token.isEmpty() ? settings.token() : token);
            } catch (Exception e) {
                fail("the OTA answer is not usable: " + e.getMessage());
            }
        });
    }

    private void connect(URI url, String token) {
        long start = System.nanoTime();
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).header("Device-Id", deviceId)
                .header("Client-Id", clientId).header("Protocol-Version", Integer.toString(settings.protocolVersion()));
        if (!token.isEmpty()) {
            builder.header("Authorization", "Bearer " + token);
        }
        builder.buildAsync(url, this).whenComplete((ws, failure) -> {
            if (failure != null) {
                fail("cannot connect to " + url + ": " + failure.getMessage());
                return;
            }
            synchronized (this) {
                stats.connect.recordNanos(System.nanoTime() - start);
                socket = ws;
                helloSentNanos = System.nanoTime();
                sendText("{\"type\":\"hello\",\"version\":" + settings.protocolVersion() + ",\"features\":{\"mcp\":false},"
                        + "\"transport\":\"websocket\",\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,"
                        + "\"frame_duration\":60}}");
                helloTimeout = scheduler.schedule(this::helloTimedOut, FleetSettings.HELLO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private synchronized void fail(String why) {
        if (finished) {
            return;
        }
        LOG.debug("device {}: {}", deviceId, why);
        stats.connectFailures.increment();
        finish();
    }

    private synchronized void helloTimedOut() {
        if (!helloReceived && !finished) {
            stats.helloTimeouts.increment();
            LOG.debug("device {}: no hello within {}", deviceId, FleetSettings.HELLO_TIMEOUT);
            finish();
        }
    }

    private synchronized void send(Function<WebSocket, CompletableFuture<WebSocket>> op) {
        WebSocket ws = socket;
        if (ws == null || finished) {
            return;
        }
        sending = sending.handle((x, e) -> null).thenCompose(x -> op.apply(ws));
    }

    private void sendText(String json) {
        send(ws -> ws.sendText(json, true));
    }

    private void sendAudio(byte[] opus, long timestampMs) {
        byte[] frame = Framing.encode(settings.protocolVersion(), opus, timestampMs);
        send(ws -> ws.sendBinary(ByteBuffer.wrap(frame), true));
    }

    private synchronized void startTurn() {
        if (finished) {
            return;
        }
        boolean enough = settings.turnsPerDevice() > 0 && turnsDone >= settings.turnsPerDevice();
        boolean late = !settings.duration().isZero() && System.nanoTime() - stopStartingAtNanos >= 0;
        if (enough || late) {
            finish();
            return;
        }
        Turn t = new Turn();
        turn = t;
        t.silenceLeft = settings.manual() ? 0 : (int) Math.ceil((double) settings.silence().toNanos() / FRAME_NANOS);
        sendText("{\"session_id\":\"" + sessionId + "\",\"type\":\"listen\",\"state\":\"start\",\"mode\":\""
                + (settings.manual() ? "manual" : "auto") + "\"}");
        t.packets = scheduler.scheduleAtFixedRate(() -> nextPacket(t), 0, FRAME_NANOS, TimeUnit.NANOSECONDS);
    }

    private synchronized void nextPacket(Turn t) {
        if (turn != t || finished) {
            t.packets.cancel(false);
            return;
        }
        int speech = utterance.speech().size();
        if (t.packetsSent < speech) {
            sendAudio(utterance.speech().get(t.packetsSent), t.packetsSent * 60L);
            t.packetsSent++;
            if (t.packetsSent == speech) {
                t.endOfSpeechNanos = System.nanoTime();
                t.timeout = scheduler.schedule(() -> timedOut(t), settings.turnTimeout().toNanos(), TimeUnit.NANOSECONDS);
                if (settings.manual()) {
                    sendText("{\"session_id\":\"" + sessionId + "\",\"type\":\"listen\",\"state\":\"stop\"}");
                    t.packets.cancel(false);
                }
            }
            return;
        }
        if (t.silenceLeft > 0 && t.sttNanos == 0 && !t.replyStarted && t.alerted == null) {
            sendAudio(utterance.silence(), t.packetsSent * 60L);
            t.packetsSent++;
            t.silenceLeft--;
        } else {
            t.packets.cancel(false);
        }
    }

    private synchronized void timedOut(Turn t) {
        if (turn == t && !finished) {
            endTurn(t, Outcome.TIMEOUT);
        }
    }

    private void endTurn(Turn t, Outcome outcome) {
        stats.outcome(outcome);
        if (t.packets != null) {
            t.packets.cancel(false);
        }
        if (t.timeout != null) {
            t.timeout.cancel(false);
        }
        turn = null;
        turnsDone++;
        long think = settings.thinkTime().toNanos();
        scheduler.schedule(this::startTurn, think, TimeUnit.NANOSECONDS);
    }

    private synchronized void onJson(JsonNode message, long now) {
        String type = message.path("type").asText();
        if (type.equals("hello") && !helloReceived) {
            helloReceived = true;
            if (helloTimeout != null) {
                helloTimeout.cancel(false);
            }
            stats.hello.recordNanos(now - helloSentNanos);
            stats.connected.incrementAndGet();
            sessionId = message.path("session_id").asText("");
            startTurn();
            return;
        }
        Turn t = turn;
        if (t == null) {
            return;
        }
        switch (type) {
            case "stt" -> {
                if (t.sttNanos == 0 && t.endOfSpeechNanos != 0) {
                    t.sttNanos = now;
                    stats.stt.recordNanos(now - t.endOfSpeechNanos);
                }
            }
            case "alert" -> {
                if (message.path("status").asText().equalsIgnoreCase("error")) {
                    t.alerted = Outcome.ERROR;
                } else if (t.sttNanos == 0 && t.alerted == null) {
                    t.alerted = Outcome.BUSY;
                    if (t.endOfSpeechNanos != 0) {
                        stats.busy.recordNanos(now - t.endOfSpeechNanos);
                    }
                } else {
                    stats.otherAlerts.increment();
                }
            }
            case "tts" -> {
                String state = message.path("state").asText();
                if (state.equals("start")) {
                    t.replyStarted = true;
                } else if (state.equals("stop") && t.alerted != null) {
                    endTurn(t, t.alerted); // the busy or apology prompt has played, possibly before the speech ended
                } else if (state.equals("stop") && t.endOfSpeechNanos != 0) {
                    {
                        stats.ttsStop.recordNanos(now - t.endOfSpeechNanos);
                        endTurn(t, Outcome.OK);
                    }
                }
            }
            default -> {
            }
        }
    }

    private synchronized void onAudio(byte[] frame, long now) {
        byte[] opus = Framing.decode(settings.protocolVersion(), frame);
        if (opus == null) {
            stats.badFrames.increment();
            return;
        }
        Turn t = turn;
        if (t == null || t.endOfSpeechNanos == 0 || t.alerted != null) {
            return; // a prompt or a greeting, not the reply being measured
        }
        stats.frames.increment();
        if (t.frames++ == 0) {
            stats.firstAudio(now, now - t.endOfSpeechNanos);
            t.anchorNanos = now;
            t.anchorIndex = 0;
            t.slotIndex = 0;
        } else {
            stats.frameGap.recordNanos(now - t.lastFrameNanos);
            t.slotIndex++;
            long slot = t.anchorNanos + (t.slotIndex - t.anchorIndex) * FRAME_NANOS;
            if (now - slot > settings.lateThreshold().toNanos()) {
                stats.lateFrames.increment();
                t.anchorNanos = now;
                t.anchorIndex = t.slotIndex;
            }
        }
        t.lastFrameNanos = now;
    }

    private synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (turn != null) {
            if (turn.packets != null) {
                turn.packets.cancel(false);
            }
            if (turn.timeout != null) {
                turn.timeout.cancel(false);
            }
            turn = null;
        }
        if (helloReceived) {
            stats.connected.decrementAndGet();
        }
        WebSocket ws = socket;
        if (ws != null) {
            sending.handle((x, e) -> null).thenCompose(x -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "done"))
                    .orTimeout(5, TimeUnit.SECONDS).whenComplete((x, e) -> ws.abort());
        }
        done.complete(null);
    }

    /** Ends the device now (the run is over): a turn in flight is left uncounted. */
    void stop() {
        finish();
    }

    private synchronized void lost(String why) {
        if (finished) {
            return;
        }
        LOG.debug("device {}: connection lost: {}", deviceId, why);
        stats.disconnects.increment();
        if (turn != null) {
            stats.outcome(Outcome.ERROR);
        }
        finish();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        long now = System.nanoTime();
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                onJson(JSON.readTree(text), now);
            } catch (Exception e) {
                LOG.debug("device {}: unparsable text from the server: {}", deviceId, text);
                stats.badFrames.increment();
            }
        }
        webSocket.request(1);
        return null;
    }

    private ByteBuffer binaryPartial;

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        long now = System.nanoTime();
        if (!last || binaryPartial != null) {
            ByteBuffer joined = ByteBuffer.allocate((binaryPartial == null ? 0 : binaryPartial.remaining()) + data.remaining());
            if (binaryPartial != null) {
                joined.put(binaryPartial);
            }
            joined.put(data).flip();
            binaryPartial = last ? null : joined;
            data = joined;
        }
        if (last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            onAudio(bytes, now);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        lost("closed " + statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        lost(String.valueOf(error));
    }
}
