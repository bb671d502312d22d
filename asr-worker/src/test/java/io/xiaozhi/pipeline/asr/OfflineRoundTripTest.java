package io.xiaozhi.pipeline.asr;

import static io.xiaozhi.pipeline.asr.AsrStage.text;
import static io.xiaozhi.pipeline.asr.AsrStage.typeOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageMetrics;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline stage end to end: utterances published as the gateway publishes them (FreeTTS speech,
 * Opus-encoded in 60 ms packets) through the real stage runtime to CMU Sphinx4, and what comes out on
 * the gateway's downlink and the LLM stage's request topic. The worker is built once by its factory
 * from the default configuration ({@code providers.asr.type: offline}); its recognizer is shared by
 * the tests, each of which has topics of its own.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OfflineRoundTripTest {

    private static SphinxSpeechRecognizer sphinx;

    @TempDir
    Path dataDir;

    private AsrStage stage;

    @BeforeAll
    static void loadModels() throws Exception {
        Settings defaults = ConfigLoader.load(Path.of("target", "no-data-dir"), Map.of());
        AsrWorker worker = AsrWorker.create(ServiceContext.shared("asr-worker", defaults, new SimpleMeterRegistry(), Clock.systemUTC(), null, null));
        assertThat(worker.recognizer()).isInstanceOf(SphinxSpeechRecognizer.class);
        sphinx = (SphinxSpeechRecognizer) worker.recognizer();
    }

    @AfterAll
    static void closeModels() {
        sphinx.close();
    }

    @AfterEach
    void stop() {
        if (stage != null) {
            stage.close();
        }
    }

    private AsrStage start(KafkaTestBroker kafka) {
        stage = new AsrStage(kafka, dataDir, "type: offline", 20);
        stage.start(new AsrWorker(sphinx, new AsrHandler(sphinx, new AsrMetrics(stage.meters, sphinx.tag()), stage.llm, Clock.systemUTC())));
        return stage;
    }

    @Test
    void aSpokenQuestionReachesTheDeviceAndTheLanguageModel(KafkaTestBroker kafka) throws Exception {
        start(kafka);
        long endOfSpeech = System.currentTimeMillis();
        String session = "session-question";
        stage.publish(TestSpeech.payload("what time is it"), session, "turn-question", endOfSpeech);

        ConsumerRecord<String, byte[]> stt = stage.recordsOf(stage.replies, 1, "turn-question").get(0);
        assertThat(typeOf(stt)).isEqualTo(MessageTypes.STT);
        assertThat(text(stt)).contains("time");
        assertThat(stt.key()).isEqualTo(session);

        List<ConsumerRecord<String, byte[]>> toLlm = stage.read(stage.llm, 1);
        assertThat(toLlm).singleElement().satisfies(llm -> {
            assertThat(llm.key()).isEqualTo(session);
            assertThat(text(llm)).isEqualTo(text(stt));
            Envelope envelope = Envelope.readFrom(llm.headers());
            assertThat(envelope.turnId()).isEqualTo("turn-question");
            assertThat(envelope.replyTo()).isEqualTo(stage.replies);
            assertThat(envelope.deadlineEpochMs()).isEqualTo(endOfSpeech + 30_000);
            assertThat(HeaderValues.requiredNumber(llm.headers(), EnvelopeHeaders.END_OF_SPEECH)).isEqualTo(endOfSpeech);
            long start = HeaderValues.requiredNumber(llm.headers(), "xz.t.asr.start");
            assertThat(start).isGreaterThanOrEqualTo(endOfSpeech);
            assertThat(HeaderValues.requiredNumber(llm.headers(), "xz.t.asr.end")).isGreaterThanOrEqualTo(start);
        });
        assertThat(stage.count(AsrMetrics.AUDIO_SECONDS, "provider", "offline")).isGreaterThan(1.0);
    }

    @Test
    void silenceAndBrokenAudioEndTheTurnQuietlyAndATruncatedPayloadIsDeadLettered(KafkaTestBroker kafka) throws Exception {
        start(kafka);
        String silence = stage.publish(AudioFrames.encode(TestSpeech.packets(TestSpeech.silence(2000))));
        String garbage = stage.publish(AudioFrames.encode(TestSpeech.garbagePackets(5)));
        byte[] spoken = TestSpeech.payload("hello");
        String truncated = stage.publish(Arrays.copyOf(spoken, spoken.length / 2));

        List<ConsumerRecord<String, byte[]>> replies = stage.read(stage.replies, 3);
        assertThat(replies).hasSize(3);
        assertThat(replies).filteredOn(r -> AsrStage.turnOf(r).equals(silence)).singleElement()
                .satisfies(r -> assertThat(typeOf(r)).isEqualTo(MessageTypes.TURN_END));
        assertThat(replies).filteredOn(r -> AsrStage.turnOf(r).equals(garbage)).singleElement()
                .satisfies(r -> assertThat(typeOf(r)).isEqualTo(MessageTypes.TURN_END));
        assertThat(replies).filteredOn(r -> AsrStage.turnOf(r).equals(truncated)).singleElement().satisfies(r -> {
            assertThat(typeOf(r)).isEqualTo(MessageTypes.TURN_FAILED);
            assertThat(text(r)).startsWith("asr: StageException: audio payload is truncated");
        });
        // each turn has ended, so nothing more will go to the language model
        assertThat(stage.size(stage.llm)).isZero();

        ConsumerRecord<String, byte[]> letter = stage.read(stage.deadLetters, 1).get(0);
        assertThat(AsrStage.turnOf(letter)).isEqualTo(truncated);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).contains("audio payload is truncated");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);

        assertThat(stage.count(AsrMetrics.EMPTY, "reason", "no_speech")).isEqualTo(1);
        assertThat(stage.count(AsrMetrics.EMPTY, "reason", "no_audio")).isEqualTo(1);
        assertThat(stage.count(AsrMetrics.UNDECODABLE)).isEqualTo(5);
        assertThat(stage.count(AsrMetrics.BAD_INPUT, "reason", "payload")).isEqualTo(1);
        assertThat(stage.count(StageMetrics.DEAD_LETTERS)).isEqualTo(1);
    }
}
