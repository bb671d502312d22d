package io.xiaozhi.pipeline.vllm;

import static io.xiaozhi.pipeline.vllm.VisionStage.text;
import static io.xiaozhi.pipeline.vllm.VisionStage.typeOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageMetrics;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class OpenAiVisionProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "What colour is the square?";

    @TempDir
    Path dataDir;

    private FakeOpenAi model;
    private VisionStage stage;

    @BeforeEach
    void startModel() throws Exception {
        model = new FakeOpenAi();
    }

    @AfterEach
    void stop() {
        if (stage != null) {
            stage.close();
        }
        model.close();
    }

    private VisionStage stage(KafkaTestBroker kafka, int timeoutSeconds) {
        stage = new VisionStage(kafka, dataDir, String.join("\n",
                "type: openai",
                "base_url: " + model.baseUrl(),
                "api_key: sk-test-key",
                "model: vision-test",
                "headers: {X-Tenant: kitchen}"), timeoutSeconds);
        VllmWorker worker = stage.start();
        assertThat(worker.provider()).isInstanceOf(OpenAiVisionProvider.class);
        return stage;
    }

    private double failures(String reason) {
        return new ProviderMetrics(stage.meters).count("vllm", reason);
    }

    @Test
    void aPhotoIsPutToTheModelAndItsAnswerGoesToTheReplyTopic(KafkaTestBroker kafka) throws Exception {
        model.then(FakeOpenAi.completion("\" A red square on white. \""), FakeOpenAi.completion("\"A red square again.\""));
        stage(kafka, 10);
        byte[] png = TestImages.png();
        byte[] jpeg = TestImages.jpeg();
        String first = stage.publish(QUESTION, "image/png", png);
        ConsumerRecord<String, byte[]> answer = stage.recordOf(stage.replies, 1, first);
        String second = stage.publish("And now?", "image/jpeg", jpeg);
        ConsumerRecord<String, byte[]> again = stage.recordOf(stage.replies, 2, second);

        assertThat(typeOf(answer)).isEqualTo(MessageTypes.VISION_ANSWER);
        assertThat(text(answer)).isEqualTo("A red square on white.");
        assertThat(HeaderValues.text(answer.headers(), EnvelopeHeaders.SESSION)).contains(first);
        assertThat(answer.key()).isEqualTo(first);
        assertThat(typeOf(again)).isEqualTo(MessageTypes.VISION_ANSWER);
        assertThat(text(again)).isEqualTo("A red square again.");

        List<FakeOpenAi.Received> received = model.received();
        assertThat(received).hasSize(2);
        FakeOpenAi.Received request = received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/chat/completions");
        assertThat(request.header("Authorization")).isEqualTo("Bearer sk-test-key");
        assertThat(request.header("X-Tenant")).isEqualTo("kitchen");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.path("model").asText()).isEqualTo("vision-test");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(OpenAiVisionProvider.DEFAULT_MAX_TOKENS);
        assertThat(body.path("stream").isMissingNode() || !body.path("stream").asBoolean()).isTrue();
        JsonNode message = body.path("messages").get(0);
        assertThat(body.path("messages").size()).isEqualTo(1);
        assertThat(message.path("role").asText()).isEqualTo("user");
        JsonNode content = message.path("content");
        assertThat(content.size()).isEqualTo(2);
        assertThat(content.get(0).path("type").asText()).isEqualTo("text");
        assertThat(content.get(0).path("text").asText()).isEqualTo(QUESTION);
        assertThat(content.get(1).path("type").asText()).isEqualTo("image_url");
        assertThat(content.get(1).path("image_url").path("url").asText())
                .isEqualTo("data:image/png;base64," + Base64.getEncoder().encodeToString(png));
        JsonNode secondContent = JSON.readTree(received.get(1).body()).path("messages").get(0).path("content");
        assertThat(secondContent.get(0).path("text").asText()).isEqualTo("And now?");
        assertThat(secondContent.get(1).path("image_url").path("url").asText())
                .isEqualTo("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg));

        assertThat(stage.count(VisionMetrics.REQUESTS)).isEqualTo(2);
        DistributionSummary sizes = stage.meters.find(VisionMetrics.IMAGE_BYTES).summary();
        assertThat(sizes.count()).isEqualTo(2);
        assertThat(sizes.totalAmount()).isEqualTo(png.length + jpeg.length);
        Timer latency = stage.meters.find(VisionMetrics.ANSWER_LATENCY).timer();
        assertThat(latency.count()).isEqualTo(2);
        assertThat(stage.meters.find(VisionMetrics.REJECTED).counters()).allMatch(c -> c.count() == 0);
    }

    @Test
    void anAnswerGivenAsContentPartsIsJoined(KafkaTestBroker kafka) throws Exception {
        model.then(FakeOpenAi.completion("[{\"type\":\"text\",\"text\":\"A red square\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/x.png\"}},"
                + "{\"type\":\"text\",\"text\":\"on a white ground.\"}]"));
        stage(kafka, 10);
        String id = stage.publish(QUESTION, "image/png", TestImages.png());
        ConsumerRecord<String, byte[]> answer = stage.recordOf(stage.replies, 1, id);
        assertThat(typeOf(answer)).isEqualTo(MessageTypes.VISION_ANSWER);
        assertThat(text(answer)).isEqualTo("A red square\non a white ground.");
    }

    @Test
    void aRateLimitIsRetriedAndTheAnswerStillArrives(KafkaTestBroker kafka) throws Exception {
        model.then(FakeOpenAi.status(429, "{\"error\":{\"message\":\"Rate limit reached\"}}"),
                FakeOpenAi.completion("\"A red square.\""));
        stage(kafka, 10);
        String id = stage.publish(QUESTION, "image/png", TestImages.png());
        List<ConsumerRecord<String, byte[]>> replies = stage.read(stage.replies, 1);
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(typeOf(r)).isEqualTo(MessageTypes.VISION_ANSWER);
            assertThat(VisionStage.turnOf(r)).isEqualTo(id);
            assertThat(text(r)).isEqualTo("A red square.");
        });
        assertThat(model.received()).hasSize(2);
        assertThat(stage.count(StageMetrics.RETRIES)).isEqualTo(1);
        assertThat(failures("http_429")).isEqualTo(1);
        assertThat(stage.count(StageMetrics.DEAD_LETTERS)).isZero();
        assertThat(stage.count(VisionMetrics.REQUESTS)).as("a retry is not another request").isEqualTo(1);
    }

    @Test
    void serverErrorsUntilTheLastAttemptEndInTheDeadLetterTopicAndTurnError(KafkaTestBroker kafka) throws Exception {
        model.always(FakeOpenAi.status(500, "{\"error\":{\"message\":\"the model is loading\"}}"));
        stage(kafka, 10);
        String id = stage.publish(QUESTION, "image/png", TestImages.png());
        ConsumerRecord<String, byte[]> letter = stage.recordOf(stage.deadLetters, 1, id);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR))
                .startsWith("StageException: HTTP 500: vllm provider at 127.0.0.1 answered: ")
                .contains("the model is loading");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(3);
        ConsumerRecord<String, byte[]> reply = stage.recordOf(stage.replies, 1, id);
        assertThat(typeOf(reply)).isEqualTo(MessageTypes.TURN_FAILED);
        assertThat(text(reply)).startsWith("vllm: StageException: HTTP 500");
        assertThat(model.received()).hasSize(3);
        assertThat(failures("http_5xx")).isEqualTo(3);
    }

    @Test
    void aBodyThatIsNotJsonIsMalformedAndNotRetried(KafkaTestBroker kafka) throws Exception {
        model.then(FakeOpenAi.status(200, "<html>Bad gateway</html>"));
        stage(kafka, 10);
        String id = stage.publish(QUESTION, "image/png", TestImages.png());
        ConsumerRecord<String, byte[]> letter = stage.recordOf(stage.deadLetters, 1, id);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR))
                .startsWith("StageException: vllm provider: malformed response: the body is not JSON (Unexpected character ('<'");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);
        assertThat(typeOf(stage.recordOf(stage.replies, 1, id))).isEqualTo(MessageTypes.TURN_FAILED);
        assertThat(model.received()).hasSize(1);
        assertThat(failures("malformed")).isEqualTo(1);
    }

    @Test
    void anAnswerThatIsMissingOrBlankIsMalformed(KafkaTestBroker kafka) throws Exception {
        model.then(FakeOpenAi.completion("\"  \\n \""), FakeOpenAi.completion("null"),
                FakeOpenAi.status(200, "{\"choices\":[]}"), FakeOpenAi.completion("{\"text\":\"x\"}"));
        stage(kafka, 10);
        // one at a time, so that each request meets the reply scripted for it
        assertThat(deadLetterError(1)).isEqualTo("StageException: vllm provider: malformed response: the model returned no answer");
        assertThat(deadLetterError(2)).isEqualTo("StageException: vllm provider: malformed response: the model returned no answer");
        assertThat(deadLetterError(3)).isEqualTo("StageException: vllm provider: malformed response: no choices");
        assertThat(deadLetterError(4)).isEqualTo("StageException: vllm provider: malformed response: choices[0].message.content"
                + " is object, neither text nor a list of parts");
        assertThat(stage.read(stage.replies, 4)).hasSize(4).allMatch(r -> typeOf(r).equals(MessageTypes.TURN_FAILED));
        assertThat(failures("malformed")).isEqualTo(4);
        assertThat(model.received()).hasSize(4);
    }

    /** Publishes a photo and returns the error its dead letter carries, the {@code count}-th on the topic. */
    private String deadLetterError(int count) throws Exception {
        String id = stage.publish(QUESTION, "image/png", TestImages.png());
        ConsumerRecord<String, byte[]> letter = stage.recordOf(stage.deadLetters, count, id);
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);
        return HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR);
    }

    @Test
    void aModelThatDoesNotAnswerInTimeEndsTheTurn(KafkaTestBroker kafka) throws Exception {
        model.always(FakeOpenAi.hang());
        stage(kafka, 1);
        // a deadline far off: every attempt runs into the one-second stage timeout, then the stage gives up
        String patient = stage.publish(new VisionRequest("patient", "image/png", TestImages.png()).encode(),
                System.currentTimeMillis() + 60_000);
        VisionStage.await("the first attempt reached the model", () -> !model.received().isEmpty());
        // as the gateway sends it: the deadline is the stage timeout from now, so one attempt uses it up
        String asTheGatewaySends = stage.publish("as the gateway sends it", "image/png", TestImages.png());

        ConsumerRecord<String, byte[]> failed = stage.recordOf(stage.replies, 2, patient);
        assertThat(typeOf(failed)).isEqualTo(MessageTypes.TURN_FAILED);
        ConsumerRecord<String, byte[]> letter = stage.recordOf(stage.deadLetters, 1, patient);
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(3);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).containsAnyOf("TimeoutException", "no answer in time");
        ConsumerRecord<String, byte[]> timedOut = stage.recordOf(stage.replies, 2, asTheGatewaySends);
        assertThat(typeOf(timedOut)).isEqualTo(MessageTypes.TURN_TIMED_OUT);
        assertThat(stage.read(stage.replies, 2)).noneMatch(r -> typeOf(r).equals(MessageTypes.VISION_ANSWER));
        assertThat(model.received()).filteredOn(r -> r.text().contains("\"patient\"")).hasSize(3);
        assertThat(model.received()).filteredOn(r -> r.text().contains("\"as the gateway sends it\"")).hasSizeLessThanOrEqualTo(1);
        assertThat(stage.meters.find(VisionMetrics.ANSWER_LATENCY).timer().count()).isZero();
    }
}
