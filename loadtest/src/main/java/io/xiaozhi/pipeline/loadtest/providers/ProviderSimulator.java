package io.xiaozhi.pipeline.loadtest.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.xiaozhi.pipeline.common.audio.Wav;
import io.xiaozhi.pipeline.loadtest.providers.SimulatorStats.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible provider SIMULATOR, for benchmarks only: it understands nothing and answers
 * fixed texts and a tone after configurable delays, so that a benchmark of the pipeline measures the
 * pipeline and not a model. Under {@code /v1}:
 * <ul>
 *   <li>{@code POST audio/transcriptions} (multipart with a {@code file} part): {@code {"text": <fixed>}}
 *       after {@link SimulatorSettings#asrMs()};</li>
 *   <li>{@code POST chat/completions}: with {@code "stream": true} server-sent events, the first token
 *       after {@link SimulatorSettings#llmFirstTokenMs()}, then one word per token at
 *       {@link SimulatorSettings#llmTokensPerSecond()}, a chunk with {@code finish_reason} and
 *       {@code data: [DONE]}; without it one {@code chat.completion} after the same total time. A
 *       request whose messages carry an {@code image_url} part is a vision request: the fixed vision
 *       answer after {@link SimulatorSettings#visionMs()};</li>
 *   <li>{@code POST audio/speech}: raw 16-bit little-endian 24 kHz PCM ({@code response_format} pcm,
 *       the default) streamed in 200 ms pieces, or one WAV ({@code wav}), of a tone lasting the input's
 *       length at {@link SimulatorSettings#ttsCharsPerSecond()}, each piece produced at
 *       {@link SimulatorSettings#ttsRealTimeFactor()};</li>
 *   <li>{@code GET /stats}: {@link SimulatorStats} as JSON ({@code DELETE /stats} resets it).</li>
 * </ul>
 * Every request is first subject to the injected error rates ({@code 429} then {@code 500}, with an
 * OpenAI-style error body). Malformed requests get {@code 400} and are counted.
 */
public final class ProviderSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderSimulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int SPEECH_RATE = 24_000;
    private static final int PIECE_MS = 200;

    private final SimulatorSettings settings;
    private final SimulatorStats stats = new SimulatorStats();
    private final List<String> tokens;
    private Javalin app;

    private ProviderSimulator(SimulatorSettings settings) {
        this.settings = settings;
        this.tokens = tokens(settings.llmAnswer());
    }

    /** Starts the simulator on {@link SimulatorSettings#port()} (0: a free port, see {@link #port()}). */
    public static ProviderSimulator start(SimulatorSettings settings) {
        ProviderSimulator simulator = new ProviderSimulator(settings);
        simulator.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            QueuedThreadPool threads = new QueuedThreadPool(settings.maxThreads(), 8);
            threads.setName("simulator");
            cfg.jetty.threadPool = threads;
            cfg.routes.post("/v1/audio/transcriptions", simulator::transcriptions);
            cfg.routes.post("/v1/chat/completions", simulator::chat);
            cfg.routes.post("/v1/audio/speech", simulator::speech);
            cfg.routes.get("/stats", ctx -> ctx.contentType("application/json").result(simulator.stats.toJson().toString()));
            cfg.routes.delete("/stats", ctx -> {
                simulator.stats.reset();
                ctx.status(204);
            });
        }).start(settings.host(), settings.port());
        LOG.info("provider SIMULATOR for benchmarks only (fixed answers, simulated delays) on http://{}:{}/v1: ASR {} ms, "
                        + "LLM first token {} ms at {} tokens/s, TTS real-time factor {}, jitter {}, errors 429 {} / 500 {}",
                settings.host(), simulator.port(), settings.asrMs(), settings.llmFirstTokenMs(), settings.llmTokensPerSecond(),
                settings.ttsRealTimeFactor(), settings.jitter(), settings.errorRate429(), settings.errorRate500());
        return simulator;
    }

    public int port() {
        return app.port();
    }

    public SimulatorStats stats() {
        return stats;
    }

    static List<String> tokens(String answer) {
        List<String> out = new ArrayList<>();
        for (String word : answer.trim().split("\\s+")) {
            out.add(out.isEmpty() ? word : " " + word);
        }
        return out;
    }

    /** A delay in nanoseconds drawn uniformly from {@code meanMs × (1 ± jitter)}. */
    long delayNanos(double meanMs) {
        double spread = settings.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Math.max(0, Math.round(meanMs * (1 + spread) * 1_000_000));
    }

    /** Answers an injected error and returns true, or returns false to serve the request. */
    private boolean injectError(Context ctx, Endpoint endpoint) {
        double roll = ThreadLocalRandom.current().nextDouble();
        int status;
        if (roll < settings.errorRate429()) {
            status = 429;
        } else if (roll < settings.errorRate429() + settings.errorRate500()) {
            status = 500;
        } else {
            return false;
        }
        stats.injected(endpoint, status);
        error(ctx, status, status == 429 ? "rate_limit_exceeded" : "server_error",
                status == 429 ? "simulated rate limit" : "simulated server error");
        return true;
    }

    private static void error(Context ctx, int status, String type, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("message", message).put("type", type).putNull("param").put("code", type);
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private void transcriptions(Context ctx) throws InterruptedException {
        if (injectError(ctx, Endpoint.TRANSCRIPTIONS)) {
            return;
        }
        UploadedFile file;
        try {
            file = ctx.isMultipartFormData() ? ctx.uploadedFile("file") : null;
        } catch (RuntimeException e) {
            file = null;
        }
        if (file == null || file.size() == 0) {
            stats.malformed(Endpoint.TRANSCRIPTIONS);
            error(ctx, 400, "invalid_request_error", "expected multipart/form-data with a non-empty 'file' part");
            return;
        }
        long delay = delayNanos(settings.asrMs());
        TimeUnit.NANOSECONDS.sleep(delay);
        stats.served(Endpoint.TRANSCRIPTIONS, delay, delay);
        ctx.contentType("application/json").result(JSON.createObjectNode().put("text", settings.asrText()).toString());
    }

    private void chat(Context ctx) throws IOException, InterruptedException {
        JsonNode request;
        try {
            request = JSON.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            request = null;
        }
        boolean vision = request != null && hasImage(request.path("messages"));
        Endpoint endpoint = vision ? Endpoint.VISION : Endpoint.CHAT;
        if (injectError(ctx, endpoint)) {
            return;
        }
        if (request == null || !request.path("messages").isArray() || request.path("messages").isEmpty()) {
            stats.malformed(endpoint);
            error(ctx, 400, "invalid_request_error", "expected a JSON body with a non-empty 'messages' array");
            return;
        }
        String model = request.path("model").asText("simulated");
        boolean stream = request.path("stream").asBoolean(false);
        List<String> answer = vision ? tokens(settings.visionAnswer()) : tokens;
        long first = delayNanos(vision ? settings.visionMs() : settings.llmFirstTokenMs());
        long perToken = vision ? 0 : Math.round(1e9 / settings.llmTokensPerSecond());
        String id = "chatcmpl-sim-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        long created = System.currentTimeMillis() / 1000;
        if (!stream) {
            long total = first + perToken * (answer.size() - 1);
            TimeUnit.NANOSECONDS.sleep(total);
            stats.served(endpoint, total, total);
            ObjectNode body = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0).putObject("message").put("role", "assistant").put("content", String.join("", answer));
            choice.put("finish_reason", "stop");
            body.putObject("usage").put("prompt_tokens", 0).put("completion_tokens", answer.size()).put("total_tokens", answer.size());
            ctx.contentType("application/json").result(body.toString());
            return;
        }
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setHeader("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        long start = System.nanoTime();
        for (int i = 0; i < answer.size(); i++) {
            sleepUntil(start + first + perToken * i);
            ObjectNode delta = JSON.createObjectNode();
            if (i == 0) {
                delta.put("role", "assistant");
            }
            delta.put("content", answer.get(i));
            event(out, chunk(id, created, model, delta, null));
        }
        event(out, chunk(id, created, model, JSON.createObjectNode(), "stop"));
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        stats.served(endpoint, first + perToken * (answer.size() - 1), first);
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish) {
        ObjectNode chunk = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return chunk;
    }

    private static void event(OutputStream out, ObjectNode data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static boolean hasImage(JsonNode messages) {
        for (JsonNode message : messages) {
            JsonNode content = message.path("content");
            if (content.isArray()) {
                for (JsonNode part : content) {
                    if (part.path("type").asText().equals("image_url") || part.has("image_url")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void speech(Context ctx) throws IOException, InterruptedException {
        if (injectError(ctx, Endpoint.SPEECH)) {
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            request = null;
        }
        String input = request == null ? "" : request.path("input").asText("");
        String format = request == null ? "" : request.path("response_format").asText("pcm");
        if (input.isBlank() || !(format.equals("pcm") || format.equals("wav"))) {
            stats.malformed(Endpoint.SPEECH);
            error(ctx, 400, "invalid_request_error", "expected a JSON body with a non-empty 'input' and response_format pcm or wav");
            return;
        }
        int totalSamples = (int) Math.max(SPEECH_RATE / 5, Math.round(input.length() / settings.ttsCharsPerSecond() * SPEECH_RATE));
        int pieceSamples = SPEECH_RATE * PIECE_MS / 1000;
        double rtf = settings.ttsRealTimeFactor() * (1 + settings.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1));
        long start = System.nanoTime();
        long produced = 0;
        long first = -1;
        short[] all = format.equals("wav") ? new short[totalSamples] : null;
        OutputStream out = null;
        if (all == null) {
            ctx.res().setStatus(200);
            ctx.res().setContentType("audio/pcm");
            out = ctx.res().getOutputStream();
        }
        for (int offset = 0; offset < totalSamples; offset += pieceSamples) {
            int n = Math.min(pieceSamples, totalSamples - offset);
            produced += Math.round(n * 1e9 / SPEECH_RATE * Math.max(0, rtf));
            sleepUntil(start + produced);
            if (first < 0) {
                first = produced;
            }
            short[] piece = tone(offset, n);
            if (all != null) {
                System.arraycopy(piece, 0, all, offset, n);
            } else {
                out.write(littleEndian(piece));
                out.flush();
            }
        }
        stats.served(Endpoint.SPEECH, produced, first);
        if (all != null) {
            ctx.contentType("audio/wav").result(Wav.encode(all, SPEECH_RATE));
        }
    }

    private short[] tone(int offset, int n) {
        short[] samples = new short[n];
        if (settings.toneHz() > 0) {
            for (int i = 0; i < n; i++) {
                samples[i] = (short) Math.round(6_000 * Math.sin(2 * Math.PI * settings.toneHz() * (offset + i) / SPEECH_RATE));
            }
        }
        return samples;
    }

    private static byte[] littleEndian(short[] samples) {
        byte[] bytes = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            bytes[2 * i] = (byte) samples[i];
            bytes[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        return bytes;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
    }
}
