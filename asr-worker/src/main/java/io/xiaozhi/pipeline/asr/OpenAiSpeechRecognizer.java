package io.xiaozhi.pipeline.asr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.common.audio.Wav;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Speech recognition behind an OpenAI-compatible transcription API ({@code providers.asr.type:
 * openai}): one {@code POST {base_url}/audio/transcriptions} per utterance, a
 * {@code multipart/form-data} body with the utterance as a 16 kHz mono WAV file ({@code file},
 * {@code audio.wav}, {@code audio/wav}), the configured {@code model}, and
 * {@code response_format=json}; the answer is {@code {"text": "..."}}, as OpenAI (Whisper,
 * gpt-4o-transcribe), Groq, whisper.cpp's server and faster-whisper servers give it.
 *
 * <p>The call is bounded by the attempt's time left and aborted when the turn is cancelled, while
 * waiting for the answer and while reading it. A body over {@value #MAX_RESPONSE_BYTES} bytes, one
 * that is not JSON, or JSON without a string {@code text} is a non-retryable malformed response;
 * HTTP failures, timeouts and connection errors are the {@link OpenAiEndpoint}'s to classify.
 */
public final class OpenAiSpeechRecognizer implements SpeechRecognizer {

    /** The longest response body read: a transcript of one utterance is a few hundred bytes. */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;

    static final String PATH = "audio/transcriptions";
    private static final int QUOTED_CHARS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiEndpoint endpoint;

    public OpenAiSpeechRecognizer(OpenAiEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public String description() {
        return "openai (model " + endpoint.model() + " at " + endpoint.uri(PATH) + ")";
    }

    @Override
    public String tag() {
        return "openai";
    }

    @Override
    public String transcribe(short[] pcm, StageContext context) {
        MultipartForm form = requestForm(pcm);
        HttpRequest request = endpoint.request(PATH, context.timeLeft())
                .setHeader("Content-Type", form.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray()))
                .build();
        HttpResponse<InputStream> response = endpoint.send(request, context);
        // a cancelled turn or a timed-out attempt closes the body, which ends a read that waits for it
        context.cancellation().thenRun(() -> closeQuietly(response.body()));
        return textOf(readBody(response.body(), context));
    }

    /** The form of one utterance. */
    MultipartForm requestForm(short[] pcm) {
        return new MultipartForm()
                .file("file", "audio.wav", "audio/wav", Wav.encode(pcm, SAMPLE_RATE))
                .field("model", endpoint.model())
                .field("response_format", "json");
    }

    private byte[] readBody(InputStream body, StageContext context) {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            if (bytes.length > MAX_RESPONSE_BYTES) {
                throw endpoint.malformed("the response is larger than " + MAX_RESPONSE_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            if (context.cancelled()) {
                throw new StageException("asr provider: call aborted while reading the answer (turn cancelled or attempt timed out)", true, e);
            }
            throw endpoint.transportFailure(e);
        }
    }

    /** The transcript in a 2xx response body; a body without one is malformed. */
    String textOf(byte[] body) {
        JsonNode root = endpoint.jsonObject(body);
        JsonNode text = root.get("text");
        if (text == null || !text.isTextual()) {
            JsonNode error = root.path("error");
            if (!error.isMissingNode() && !error.isNull()) {
                String message = error.isObject() ? error.path("message").asText(error.toString()) : error.asText();
                throw endpoint.malformed("no text but an error: " + quote(message));
            }
            throw endpoint.malformed(text == null ? "no \"text\" field" : "\"text\" is " + text.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not a string");
        }
        return text.asText();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing is all that is wanted; a failure to close leaves nothing to do
        }
    }

    private static String quote(String text) {
        String flat = String.valueOf(text).replace('\n', ' ').replace('\r', ' ').strip();
        return flat.length() > QUOTED_CHARS ? flat.substring(0, QUOTED_CHARS) + "…" : flat;
    }
}
