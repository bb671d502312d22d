package io.xiaozhi.pipeline.vllm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A vision model behind an OpenAI-compatible chat completions API ({@code providers.vllm.type:
 * openai}): one non-streaming {@code POST chat/completions} per photo, the question as a text part
 * and the photo as an {@code image_url} part holding a {@code data:} URL, as OpenAI, Qwen-VL on
 * DashScope, Doubao vision on Ark, vLLM and Ollama accept.
 *
 * <pre>{@code
 * {"model": "...", "max_tokens": 512, "messages": [{"role": "user", "content": [
 *     {"type": "text", "text": "<question>"},
 *     {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,<image>"}}]}]}
 * }</pre>
 *
 * <p>The answer is {@code choices[0].message.content}: a string, or an array of content parts whose
 * {@code text} parts are joined by line breaks. A model's {@code refusal} is its answer when there is
 * no content. A body that is not JSON, has no such content, or whose answer is blank is a
 * non-retryable malformed response; HTTP failures, timeouts and cancellation are the
 * {@link OpenAiEndpoint}'s to classify.
 */
public final class OpenAiVisionProvider implements VisionProvider {

    /** The longest response body read: an answer is a few hundred tokens. */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;
    /** The longest answer asked for, in tokens: a description of a photo for the language model to retell. */
    public static final int DEFAULT_MAX_TOKENS = 512;

    private static final String PATH = "chat/completions";
    private static final int QUOTED_CHARS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiEndpoint endpoint;
    private final int maxTokens;

    public OpenAiVisionProvider(OpenAiEndpoint endpoint, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be positive, not " + maxTokens);
        }
        this.endpoint = endpoint;
        this.maxTokens = maxTokens;
    }

    @Override
    public String description() {
        return "openai (model " + endpoint.model() + " at " + endpoint.uri(PATH) + ")";
    }

    @Override
    public String answer(PhotoQuestion question, StageContext context) {
        HttpRequest request = endpoint.request(PATH, context.timeLeft())
                .setHeader("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(question)))
                .build();
        HttpResponse<InputStream> response = endpoint.send(request, context);
        return answerOf(endpoint.readBody(response, MAX_RESPONSE_BYTES));
    }

    /** The chat completions request for one photo. */
    byte[] requestBody(PhotoQuestion question) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", endpoint.model());
        ArrayNode content = body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "text").put("text", question.question());
        content.addObject().put("type", "image_url").putObject("image_url").put("url", dataUrl(question));
        body.put("max_tokens", maxTokens);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a chat completions request", e);
        }
    }

    static String dataUrl(PhotoQuestion question) {
        return "data:" + question.format().mimeType() + ";base64," + Base64.getEncoder().encodeToString(question.image());
    }

    /** The answer in a 2xx response body; a body without one is malformed. */
    String answerOf(byte[] body) {
        JsonNode root = endpoint.jsonObject(body);
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            JsonNode error = root.path("error");
            if (!error.isMissingNode() && !error.isNull()) {
                String message = error.isObject() ? error.path("message").asText(error.toString()) : error.asText();
                throw endpoint.malformed("no choices but an error: " + quote(message));
            }
            throw endpoint.malformed("no choices");
        }
        JsonNode message = choices.get(0).path("message");
        if (!message.isObject()) {
            throw endpoint.malformed("choices[0] has no message");
        }
        String answer = text(message.path("content")).strip();
        if (answer.isEmpty()) {
            JsonNode refusal = message.path("refusal");
            if (refusal.isTextual() && !refusal.asText().isBlank()) {
                return refusal.asText().strip();
            }
            throw endpoint.malformed("the model returned no answer");
        }
        return answer;
    }

    private String text(JsonNode content) {
        if (content.isMissingNode() || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw endpoint.malformed("choices[0].message.content is " + content.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + ", neither text nor a list of parts");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode part : content) {
            JsonNode text = part.path("text");
            String type = part.path("type").asText("text");
            if (type.equals("text") && text.isTextual() && !text.asText().isBlank()) {
                texts.add(text.asText().strip());
            }
        }
        return String.join("\n", texts);
    }

    private static String quote(String text) {
        String flat = String.valueOf(text).replace('\n', ' ').replace('\r', ' ').strip();
        return flat.length() > QUOTED_CHARS ? flat.substring(0, QUOTED_CHARS) + "…" : flat;
    }
}
