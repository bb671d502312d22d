package io.xiaozhi.pipeline.tts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.tts.provider.OpenAiSpeech;
import io.xiaozhi.pipeline.tts.provider.ResponseFormat;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The worker as a process builds it: configuration, provider choice, topics, runtime. */
@ExtendWith(KafkaBrokerExtension.class)
class TtsWorkerTest {

    private static Settings settings(KafkaTestBroker kafka, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(overrides);
        env.put("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        return ConfigLoader.load(Path.of("target", "no-data-dir"), env);
    }

    private static ServiceContext context(Settings settings) {
        return ServiceContext.shared("tts-worker", settings, new SimpleMeterRegistry(), Clock.systemUTC(), null, null);
    }

    @Test
    void theOfflineWorkerSpeaksFromItsRequestTopic(KafkaTestBroker kafka) throws Exception {
        Settings settings = settings(kafka, Map.of("XIAOZHI_AI_PROVIDERS_TTS_MAX_CONCURRENT", "2"));
        try (StageTopics topics = new StageTopics(kafka);
             WorkerLauncher.RunningWorker worker = WorkerLauncher.start(Stage.TTS, context(settings), TtsWorker::create)) {
            assertThat(((TtsWorker) worker.worker()).synthesizer().describe()).contains("kevin16").contains("2 in the pool");
            topics.publish(TestSentences.producerRecord(Topics.requests(Stage.TTS), "turn-w1", 0, false, "What time is it?", topics.replies));
            topics.publish(TestSentences.producerRecord(Topics.requests(Stage.TTS), "turn-w1", 1, true, "你好", topics.replies));

            List<Downlink> out = topics.read(topics.replies, records -> records.stream().anyMatch(r -> MessageTypes.SENTENCE_FAILED.equals(
                    HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE).orElse(""))) && records.stream().anyMatch(r ->
                    HeaderValues.flag(r.headers(), EnvelopeHeaders.FINAL)), Duration.ofSeconds(60)).stream().map(Downlink::of).toList();

            List<byte[]> packets = Downlink.spokenSentence(out.stream().filter(r -> r.seq() == 0).toList(), 0);
            assertThat(Downlink.decode(packets).length / 48_000.0).isBetween(0.7, 3.0);
            assertThat(out.stream().filter(r -> r.seq() == 1).toList()).singleElement().satisfies(r -> {
                assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
                assertThat(r.last()).isTrue();
            });
            List<ConsumerRecord<String, byte[]>> letters = topics.read(Topics.deadLetters(Stage.TTS), records -> records.stream()
                    .anyMatch(r -> "turn-w1".equals(HeaderValues.text(r.headers(), EnvelopeHeaders.TURN).orElse(""))), Duration.ofSeconds(30));
            assertThat(letters).anySatisfy(letter -> assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR))
                    .startsWith("no_audio: "));
        }
    }

    @Test
    void theOpenAiProviderIsBuiltFromTheConfiguration(KafkaTestBroker kafka) throws Exception {
        Settings settings = settings(kafka, Map.of(
                "XIAOZHI_PROVIDERS_TTS_TYPE", "openai",
                "XIAOZHI_PROVIDERS_TTS_BASE_URL", "http://127.0.0.1:9/v1",
                "XIAOZHI_PROVIDERS_TTS_MODEL", "gpt-4o-mini-tts",
                "XIAOZHI_PROVIDERS_TTS_VOICE", "coral"));
        try (TtsWorker worker = TtsWorker.create(context(settings))) {
            OpenAiSpeech speech = (OpenAiSpeech) worker.synthesizer();
            assertThat(speech.voice()).isEqualTo("coral");
            assertThat(speech.format()).isEqualTo(ResponseFormat.PCM);
            assertThat(speech.describe()).contains("http://127.0.0.1:9/v1/audio/speech").contains("gpt-4o-mini-tts");
        }
    }

    @Test
    void anOfflineVoiceThatDoesNotExistIsRefusedNamingTheKey(KafkaTestBroker kafka) {
        Settings settings = settings(kafka, Map.of("XIAOZHI_PROVIDERS_TTS_VOICE", "alloy"));
        assertThatThrownBy(() -> TtsWorker.create(context(settings))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("providers.tts.voice").hasMessageContaining("kevin16");
    }
}
