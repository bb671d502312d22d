package io.xiaozhi.pipeline.tts;

import static io.xiaozhi.pipeline.tts.FakeSpeechServer.body;
import static io.xiaozhi.pipeline.tts.FakeSpeechServer.pcm;
import static io.xiaozhi.pipeline.tts.FakeSpeechServer.text;
import static io.xiaozhi.pipeline.tts.FakeSpeechServer.tone;
import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageMetrics;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.tts.provider.OpenAiSpeech;
import io.xiaozhi.pipeline.tts.provider.SynthesisFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The handler and the OpenAI-compatible provider under the real stage runtime, on the in-process broker. */
@ExtendWith(KafkaBrokerExtension.class)
class TtsRuntimeTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private FakeSpeechServer server;
    private OpenAiSpeech speech;
    private StageTopics topics;

    @AfterEach
    void stop() {
        if (topics != null) {
            topics.close();
        }
        if (speech != null) {
            speech.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TtsMetrics start(KafkaTestBroker kafka, int timeoutSeconds, int maxAttempts, FakeSpeechServer.Answer... script) throws Exception {
        server = new FakeSpeechServer(script);
        topics = new StageTopics(kafka);
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, server.baseUrl(), "sk-test",
                "tts-1", "", Map.of());
        speech = new OpenAiSpeech(new OpenAiEndpoint("tts", provider, OpenAiEndpoint.defaultClient(), new ProviderMetrics(topics.registry)),
                "", "sk-test", TtsOptions.defaults().responseFormat(), TtsOptions.DEFAULT_PCM_SAMPLE_RATE, TtsOptions.DEFAULT_MAX_RESPONSE_BYTES);
        PerformanceConfig.RetryPolicy retry = new PerformanceConfig.RetryPolicy(maxAttempts, 20, 100);
        TtsMetrics metrics = new TtsMetrics(topics.registry);
        TtsHandler handler = new TtsHandler(speech, TtsOptions.defaults(), retry, topics.deadLetters, metrics, System::currentTimeMillis);
        topics.start(kafka, handler, new PerformanceConfig.StageLimits(5, 100, timeoutSeconds, 1), retry);
        return metrics;
    }

    private static boolean hasType(List<ConsumerRecord<String, byte[]>> records, String type) {
        return records.stream().anyMatch(r -> type.equals(HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE).orElse("")));
    }

    private static boolean hasFinalChunk(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().anyMatch(r -> HeaderValues.flag(r.headers(), EnvelopeHeaders.FINAL));
    }

    @Test
    void aRateLimitedProviderIsRetriedAndEachChunkArrivesOnce(KafkaTestBroker kafka) throws Exception {
        TtsMetrics metrics = start(kafka, 10, 3,
                text(429, "application/json", "{\"error\":{\"message\":\"rate limited\"}}"),
                body(200, "audio/pcm", pcm(tone(440, 24_000, 1.5))));
        topics.publish(TestSentences.producerRecord(topics.requests, "turn-1", 0, true, "Hello there.", topics.replies));

        List<Downlink> out = topics.read(topics.replies, TtsRuntimeTest::hasFinalChunk, WAIT).stream().map(Downlink::of).toList();
        List<byte[]> packets = Downlink.spokenSentence(out, 0);
        assertThat(packets).as("1.5 s of audio").hasSize(25);
        assertThat(out).extracting(Downlink::type).doesNotContain(MessageTypes.TURN_FAILED, MessageTypes.SENTENCE_FAILED);
        assertThat(server.requests()).hasSize(2);
        assertThat(topics.counter(StageMetrics.RETRIES)).isEqualTo(1);
        assertThat(metrics.spokenCount()).isEqualTo(1);
    }

    @Test
    void aProviderDownForEveryAttemptFailsTheSentenceNotTheTurn(KafkaTestBroker kafka) throws Exception {
        TtsMetrics metrics = start(kafka, 10, 3, text(500, "text/plain", "internal error"));
        topics.publish(TestSentences.producerRecord(topics.requests, "turn-2", 1, true, "Hello there.", topics.replies));

        List<Downlink> out = topics.read(topics.replies, r -> hasType(r, MessageTypes.SENTENCE_FAILED), WAIT).stream()
                .map(Downlink::of).toList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.seq()).isEqualTo(1);
            assertThat(r.last()).isTrue();
            assertThat(r.turn()).isEqualTo("turn-2");
            assertThat(r.text()).contains("HTTP 500").contains("internal error");
        });
        assertThat(server.requests()).as("every attempt asked the provider").hasSize(3);

        List<ConsumerRecord<String, byte[]>> letters = topics.read(topics.deadLetters, r -> !r.isEmpty(), WAIT);
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).startsWith("unavailable: HTTP 500");
            assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(3);
            assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.TURN)).isEqualTo("turn-2");
        });
        assertThat(topics.counter(StageMetrics.DEAD_LETTERS)).as("the runtime itself gave up on nothing").isZero();
        assertThat(metrics.failedCount(SynthesisFailure.UNAVAILABLE)).isEqualTo(1);
    }

    @Test
    void aProviderTooSlowForTheStageTimeoutIsRetriedThenTheSentenceFails(KafkaTestBroker kafka) throws Exception {
        TtsMetrics metrics = start(kafka, 1, 2, FakeSpeechServer.silent());
        topics.publish(TestSentences.producerRecord(topics.requests, "turn-3", 0, false, "Hello there.", topics.replies));

        List<Downlink> out = topics.read(topics.replies, r -> hasType(r, MessageTypes.SENTENCE_FAILED), WAIT).stream()
                .map(Downlink::of).toList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.last()).isFalse();
            assertThat(r.text()).contains("no answer in time");
        });
        assertThat(server.requests()).hasSize(2);
        assertThat(topics.counter(StageMetrics.RETRIES)).isEqualTo(1);
        assertThat(topics.counter(StageMetrics.ATTEMPT_TIMEOUTS)).as("the provider gave up before the runtime did").isZero();
        assertThat(metrics.failedCount(SynthesisFailure.TIMEOUT)).isEqualTo(1);
    }
}
