package io.xiaozhi.pipeline.tts.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.audio.Wav;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.tts.audio.OpusPacketEncoder;
import io.xiaozhi.pipeline.tts.audio.PcmSink;
import io.xiaozhi.pipeline.tts.audio.StreamingResampler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible speech API: {@code POST {base_url}/audio/speech} with
 * {@code {"model", "input", "voice", "response_format"}}.
 *
 * <p>With {@code pcm} (the default) the body is raw 16-bit little-endian mono samples at
 * {@code pcmSampleRate} (24 kHz, OpenAI's convention) and is delivered to the sink as it streams in,
 * so the first audio record leaves long before the provider has finished the sentence. With
 * {@code wav} the file is read whole and may be at any rate. A WAV body is recognised by its header
 * whichever format was asked for.
 *
 * <p>The whole exchange, body included, must end within the attempt's budget: the HTTP timeout covers
 * the wait for the headers and a watchdog closes the body when the budget runs out (retryable,
 * {@link SynthesisFailure#TIMEOUT}). A cancelled turn closes the body at once. A body that is not
 * audio (a JSON or HTML answer with status 200, compressed audio, an odd number of PCM bytes, no audio
 * at all, more than {@code maxBodyBytes}) is {@link SynthesisFailure#MALFORMED}: non-retryable, counted
 * by {@link OpenAiEndpoint#malformed}. HTTP failures keep {@link OpenAiEndpoint}'s classification
 * (408, 429, 5xx and connection errors retryable).
 */
public final class OpenAiSpeech implements SpeechSynthesizer {

    public static final String PATH = "audio/speech";
    /** The voice asked for when {@code providers.tts.voice} is empty. */
    public static final String DEFAULT_VOICE = "alloy";
    /** Bytes read of a text body to quote in the failure. */
    private static final int QUOTED_BYTES = 300;
    private static final Set<String> COMPRESSED = Set.of("audio/mpeg", "audio/mp3", "audio/ogg", "audio/opus", "audio/aac",
            "audio/flac", "audio/x-flac", "audio/webm", "audio/mp4");
    private static final Set<String> WAV_TYPES = Set.of("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiEndpoint endpoint;
    private final String voice;
    private final ResponseFormat format;
    private final int pcmSampleRate;
    private final int maxBodyBytes;
    private final String apiKey;
    private final ScheduledThreadPoolExecutor watchdog;

    /**
     * @param voice the provider's voice; empty for {@value #DEFAULT_VOICE}
     * @param apiKey the endpoint's key, never quoted in a failure message
     */
    public OpenAiSpeech(OpenAiEndpoint endpoint, String voice, String apiKey, ResponseFormat format, int pcmSampleRate, int maxBodyBytes) {
        new StreamingResampler(pcmSampleRate, OpusPacketEncoder.SAMPLE_RATE);
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("the response limit must be at least 1024 bytes, not " + maxBodyBytes);
        }
        this.endpoint = endpoint;
        this.voice = voice == null || voice.isBlank() ? DEFAULT_VOICE : voice.strip();
        this.format = format;
        this.pcmSampleRate = pcmSampleRate;
        this.maxBodyBytes = maxBodyBytes;
        this.apiKey = apiKey == null ? "" : apiKey;
        AtomicInteger threads = new AtomicInteger();
        this.watchdog = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "tts-speech-watchdog-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        watchdog.setRemoveOnCancelPolicy(true);
    }

    public String voice() {
        return voice;
    }

    public ResponseFormat format() {
        return format;
    }

    @Override
    public String describe() {
        return "OpenAI-compatible speech at " + endpoint.uri(PATH) + " (model " + endpoint.model() + ", voice " + voice
                + ", " + format.apiName() + ")";
    }

    @Override
    public void synthesize(String text, PcmSink sink, StageContext context, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        HttpRequest request = endpoint.request(PATH, budget)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(text)))
                .build();
        HttpResponse<InputStream> response;
        try {
            response = endpoint.send(request, context);
        } catch (StageException e) {
            throw classified(e);
        }
        InputStream body = response.body();
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> alarm = watchdog.schedule(() -> {
            timedOut.set(true);
            closeQuietly(body);
        }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        context.cancellation().whenComplete((ignored, error) -> closeQuietly(body));
        try {
            read(response, body, sink, context);
        } catch (IOException e) {
            if (timedOut.get()) {
                endpoint.metrics().failure(endpoint.stage(), "timeout");
                throw new SynthesisFailure(SynthesisFailure.TIMEOUT, endpoint.stage() + " provider: the audio did not end within "
                        + budget.toMillis() + " ms", true, e);
            }
            if (context.cancelled()) {
                throw new StageException(endpoint.stage() + " provider: call aborted (turn cancelled or attempt timed out)", true, e);
            }
            throw classified(endpoint.transportFailure(e));
        } finally {
            alarm.cancel(false);
            closeQuietly(body);
        }
    }

    /** The JSON request. */
    byte[] requestBody(String text) {
        ObjectNode json = JSON.createObjectNode();
        json.put("model", endpoint.model());
        json.put("input", text);
        json.put("voice", voice);
        json.put("response_format", format.apiName());
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the speech request", e);
        }
    }

    private void read(HttpResponse<InputStream> response, InputStream body, PcmSink sink, StageContext context) throws IOException {
        String type = response.headers().firstValue("Content-Type").orElse("")
                .split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (type.startsWith("text/") || type.contains("json") || type.contains("xml")) {
            throw malformed("the provider answered " + type + " instead of audio: " + quote(body.readNBytes(QUOTED_BYTES)));
        }
        if (COMPRESSED.contains(type)) {
            throw malformed("the provider answered " + type + ", compressed audio this worker does not decode; "
                    + "it was asked for " + format.apiName());
        }
        byte[] head = readHead(body, 16);
        if (Wav.looksLikeWav(head) || WAV_TYPES.contains(type)) {
            readWav(head, body, sink);
            return;
        }
        if (looksLikeText(head) && (type.isEmpty() || type.equals("application/octet-stream"))) {
            throw malformed("the body is text, not audio: " + quote(concat(head, body.readNBytes(QUOTED_BYTES - head.length))));
        }
        if (format == ResponseFormat.WAV) {
            throw malformed("a WAV file was asked for, but the body does not start with a RIFF/WAVE header"
                    + (type.isEmpty() ? "" : " (Content-Type " + type + ")"));
        }
        streamPcm(head, body, sink, context);
    }

    /** Delivers raw 16-bit little-endian samples as they arrive; an odd byte waits for its partner. */
    private void streamPcm(byte[] head, InputStream body, PcmSink sink, StageContext context) throws IOException {
        byte[] buffer = new byte[8192];
        System.arraycopy(head, 0, buffer, 0, head.length);
        int held = head.length;
        long total = head.length;
        while (true) {
            int pairs = held / 2;
            if (pairs > 0) {
                short[] samples = new short[pairs];
                for (int i = 0; i < pairs; i++) {
                    samples[i] = (short) ((buffer[2 * i] & 0xFF) | (buffer[2 * i + 1] << 8));
                }
                if (context.cancelled()) {
                    throw new IOException("cancelled");
                }
                sink.accept(samples, pcmSampleRate);
                if (held % 2 == 1) {
                    buffer[0] = buffer[held - 1];
                }
                held %= 2;
            }
            int read = body.read(buffer, held, buffer.length - held);
            if (read < 0) {
                break;
            }
            held += read;
            total += read;
            if (total > maxBodyBytes) {
                throw malformed("the audio is longer than " + maxBodyBytes + " bytes");
            }
        }
        if (total == 0) {
            throw malformed("the body is empty: no audio");
        }
        if (total % 2 == 1) {
            throw malformed("the PCM body has an odd number of bytes (" + total + "), so it is not 16-bit samples");
        }
    }

    private void readWav(byte[] head, InputStream body, PcmSink sink) throws IOException {
        byte[] rest = body.readNBytes(maxBodyBytes + 1 - head.length);
        if (head.length + rest.length > maxBodyBytes) {
            throw malformed("the WAV file is larger than " + maxBodyBytes + " bytes");
        }
        Wav.Audio audio;
        try {
            audio = Wav.decode(concat(head, rest));
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
        if (audio.samples().length == 0) {
            throw malformed("the WAV file has no audio");
        }
        try {
            new StreamingResampler(audio.sampleRate(), OpusPacketEncoder.SAMPLE_RATE);
        } catch (IllegalArgumentException e) {
            throw malformed("the WAV file's rate is unusable: " + e.getMessage());
        }
        sink.accept(audio.samples(), audio.sampleRate());
    }

    /** Reads until {@code wanted} bytes or the end of the body, whichever comes first. */
    private static byte[] readHead(InputStream body, int wanted) throws IOException {
        return body.readNBytes(wanted);
    }

    private SynthesisFailure malformed(String what) {
        StageException counted = endpoint.malformed(what);
        return new SynthesisFailure(SynthesisFailure.MALFORMED, counted.getMessage(), false, counted);
    }

    /** Gives the endpoint's classified failures the reason they are counted under. */
    private static StageException classified(StageException e) {
        if (e instanceof SynthesisFailure) {
            return e;
        }
        String reason;
        if (e.getCause() instanceof HttpTimeoutException) {
            reason = SynthesisFailure.TIMEOUT;
        } else {
            reason = e.retryable() ? SynthesisFailure.UNAVAILABLE : SynthesisFailure.REJECTED;
        }
        return new SynthesisFailure(reason, e.getMessage(), e.retryable(), e);
    }

    private static boolean looksLikeText(byte[] head) {
        String start = new String(head, StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(Locale.ROOT);
        return start.startsWith("{\"") || start.startsWith("{\n") || start.startsWith("<!doctype") || start.startsWith("<html")
                || start.startsWith("<?xml");
    }

    private String quote(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).replace('\n', ' ').replace('\r', ' ').strip();
        if (!apiKey.isBlank()) {
            text = text.replace(apiKey, "(hidden)");
        }
        return text.isEmpty() ? "(empty)" : text;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException e) {
            // closing only aborts the exchange
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
