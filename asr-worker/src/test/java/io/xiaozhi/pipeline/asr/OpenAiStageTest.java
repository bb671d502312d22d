package io.xiaozhi.pipeline.asr;

import static io.xiaozhi.pipeline.asr.AsrStage.text;
import static io.xiaozhi.pipeline.asr.AsrStage.typeOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageMetrics;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible provider inside the real stage runtime on the test broker: the runtime's
 * retries, dead letters and {@code turn.error} for the provider's failures, seen from the topics.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OpenAiStageTest {

    @TempDir
    Path dataDir;

    private FakeTranscriptionServer server;
    private AsrStage stage;

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeTranscriptionServer();
    }

    @AfterEach
    void stop() {
        if (stage != null) {
            stage.close();
        }
        server.close();
    }

    private AsrStage stage(KafkaTestBroker kafka, int timeoutSeconds) throws Exception {
        stage = new AsrStage(kafka, dataDir, String.join("\n",
                "type: openai",
                "base_url: " + server.baseUrl(),
                "api_key: sk-test-key",
                "model: whisper-1",
                "headers: {X-Tenant: kitchen}"), timeoutSeconds);
        AsrWorker worker = stage.start();
        assertThat(worker.recognizer()).isInstanceOf(OpenAiSpeechRecognizer.class);
        return stage;
    }

    private double failures(String reason) {
        return new ProviderMetrics(stage.meters).count("asr", reason);
    }

    @Test
    void aRateLimitedCallIsRetriedAndTheTranscriptGoesOnOnce(KafkaTestBroker kafka) throws Exception {
        server.then(FakeTranscriptionServer.status(429, "{\"error\":{\"message\":\"rate limited\"}}"),
                FakeTranscriptionServer.transcript("What time is it?"));
        stage(kafka, 10);
        String turn = stage.publish(TestSpeech.payload("what time is it"));

        ConsumerRecord<String, byte[]> stt = stage.recordsOf(stage.replies, 1, turn).get(0);
        assertThat(typeOf(stt)).isEqualTo(MessageTypes.STT);
        assertThat(text(stt)).isEqualTo("What time is it?");
        List<ConsumerRecord<String, byte[]>> toLlm = stage.read(stage.llm, 1);
        assertThat(toLlm).singleElement().satisfies(llm -> {
            assertThat(text(llm)).isEqualTo("What time is it?");
            assertThat(AsrStage.turnOf(llm)).isEqualTo(turn);
            assertThat(llm.key()).isEqualTo("session-" + turn);
            assertThat(HeaderValues.timings(llm.headers())).containsKeys("eos", "asr.start", "asr.end");
        });
        AsrStage.await("the request committed", () -> stage.count(StageMetrics.COMPLETED) == 1);
        assertThat(stage.read(stage.replies, 1)).hasSize(1);
        assertThat(server.received()).hasSize(2);
        assertThat(server.received()).allSatisfy(r -> assertThat(r.header("X-Tenant")).isEqualTo("kitchen"));
        assertThat(stage.count(StageMetrics.RETRIES)).isEqualTo(1);
        assertThat(failures("http_429")).isEqualTo(1);
    }

    @Test
    void aProviderThatKeepsFailingSendsTheRequestToTheDeadLetterTopicAndTheDeviceAnError(KafkaTestBroker kafka) throws Exception {
        server.always(FakeTranscriptionServer.status(500, "{\"error\":{\"message\":\"internal error\"}}"));
        stage(kafka, 10);
        String turn = stage.publish(TestSpeech.payload("hello"));

        ConsumerRecord<String, byte[]> letter = stage.read(stage.deadLetters, 1).get(0);
        assertThat(AsrStage.turnOf(letter)).isEqualTo(turn);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).contains("HTTP 500").contains("internal error");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(3);
        ConsumerRecord<String, byte[]> error = stage.recordsOf(stage.replies, 1, turn).get(0);
        assertThat(typeOf(error)).isEqualTo(MessageTypes.TURN_FAILED);
        assertThat(text(error)).startsWith("asr: ").contains("HTTP 500");
        assertThat(server.received()).hasSize(3);
        assertThat(failures("http_5xx")).isEqualTo(3);
        assertThat(stage.size(stage.llm)).isZero();
    }

    @Test
    void aMalformedAnswerIsDeadLetteredAfterOneAttemptAndCounted(KafkaTestBroker kafka) throws Exception {
        server.always(FakeTranscriptionServer.status(200, "<html>not a transcript</html>"));
        stage(kafka, 10);
        String turn = stage.publish(TestSpeech.payload("hello"));

        ConsumerRecord<String, byte[]> letter = stage.read(stage.deadLetters, 1).get(0);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).contains("malformed response").contains("not JSON");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);
        assertThat(typeOf(stage.recordsOf(stage.replies, 1, turn).get(0))).isEqualTo(MessageTypes.TURN_FAILED);
        assertThat(server.received()).hasSize(1);
        assertThat(failures("malformed")).isEqualTo(1);
    }

    @Test
    void anAnswerSlowerThanTheStageTimeoutIsRetried(KafkaTestBroker kafka) throws Exception {
        server.then(FakeTranscriptionServer.after(5000, FakeTranscriptionServer.transcript("too late")),
                FakeTranscriptionServer.transcript("in time"));
        stage(kafka, 2);
        String turn = stage.publish(TestSpeech.payload("hello"));

        assertThat(stage.read(stage.llm, 1)).singleElement().satisfies(llm -> assertThat(text(llm)).isEqualTo("in time"));
        ConsumerRecord<String, byte[]> stt = stage.recordsOf(stage.replies, 1, turn).get(0);
        assertThat(text(stt)).isEqualTo("in time");
        assertThat(server.received()).hasSize(2);
        assertThat(stage.count(StageMetrics.RETRIES)).isEqualTo(1);
        // the first attempt ran out of time: the HTTP timeout or the runtime's, whichever noticed first
        assertThat(failures("timeout") + stage.count(StageMetrics.ATTEMPT_TIMEOUTS)).isGreaterThanOrEqualTo(1);
        assertThat(stage.count(StageMetrics.DEAD_LETTERS)).isZero();
    }
}
