package io.xiaozhi.pipeline.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a 2xx chat completions body becomes an answer or a malformed-response failure. */
class OpenAiAnswerParsingTest {

    private final ProviderMetrics metrics = new ProviderMetrics(new SimpleMeterRegistry());
    private final OpenAiVisionProvider provider = new OpenAiVisionProvider(new OpenAiEndpoint("vllm",
            new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, "http://localhost:8000/v1", "", "vision-test", "", Map.of()),
            OpenAiEndpoint.defaultClient(), metrics), 64);

    private String answer(String body) {
        return provider.answerOf(body.getBytes(StandardCharsets.UTF_8));
    }

    private String malformed(String body) {
        try {
            answer(body);
        } catch (StageException e) {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).startsWith("vllm provider: malformed response: ");
            return e.getMessage().substring("vllm provider: malformed response: ".length());
        }
        throw new AssertionError("accepted: " + body);
    }

    private static String message(String messageJson) {
        return "{\"choices\":[{\"index\":0,\"message\":" + messageJson + "}]}";
    }

    @Test
    void textAndTextPartsAreTheAnswer() {
        assertThat(answer(message("{\"role\":\"assistant\",\"content\":\"\\n A cat. \"}"))).isEqualTo("A cat.");
        assertThat(answer(message("{\"content\":[{\"text\":\"untyped parts count as text\"},{\"type\":\"text\",\"text\":\"  \"},"
                + "{\"type\":\"text\",\"text\":\"second\"}]}"))).isEqualTo("untyped parts count as text\nsecond");
    }

    @Test
    void aRefusalWithoutContentIsTheAnswer() {
        assertThat(answer(message("{\"content\":null,\"refusal\":\"I can't help with identifying people.\"}")))
                .isEqualTo("I can't help with identifying people.");
    }

    @Test
    void bodiesWithoutAnAnswerAreMalformedAndCounted() {
        assertThat(malformed("")).isEqualTo("the body is empty");
        assertThat(malformed("[1,2]")).isEqualTo("the body is not a JSON object");
        assertThat(malformed("{\"choices\":[{\"message\":{\"content\":\"cut off")).startsWith("the body is not JSON (Unexpected end-of-input");
        assertThat(malformed("{\"error\":{\"message\":\"image too large for this model\"}}"))
                .isEqualTo("no choices but an error: image too large for this model");
        assertThat(malformed("{\"object\":\"chat.completion\"}")).isEqualTo("no choices");
        assertThat(malformed("{\"choices\":[{\"text\":\"legacy completion\"}]}")).isEqualTo("choices[0] has no message");
        assertThat(malformed(message("{\"content\":42}"))).isEqualTo("choices[0].message.content is number, neither text nor a list of parts");
        assertThat(malformed(message("{\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}")))
                .isEqualTo("the model returned no answer");
        assertThat(metrics.count("vllm", "malformed")).isEqualTo(8);
    }

    @Test
    void maxTokensMustBePositive() {
        assertThatThrownBy(() -> new OpenAiVisionProvider(null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
