package io.xiaozhi.pipeline.tts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import io.xiaozhi.pipeline.tts.provider.FreeTtsSpeech;
import io.xiaozhi.pipeline.tts.provider.FreeTtsVoices;
import io.xiaozhi.pipeline.tts.provider.SynthesisFailure;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handler with the real offline voice, without a broker. */
class OfflineTtsHandlerTest {

    private static final String DLQ = "xiaozhi.tts.dlq";
    private static FreeTtsSpeech speech;

    private TtsMetrics metrics;
    private TtsHandler handler;

    @BeforeAll
    static void voices() {
        speech = new FreeTtsSpeech(new FreeTtsVoices(2));
    }

    @AfterAll
    static void release() {
        speech.close();
    }

    @BeforeEach
    void handler() {
        metrics = new TtsMetrics(new SimpleMeterRegistry());
        handler = new TtsHandler(speech, TtsOptions.defaults(), new PerformanceConfig.RetryPolicy(3, 200, 2000), DLQ, metrics,
                System::currentTimeMillis);
    }

    private RecordingContext handle(StageRequest request) throws Exception {
        RecordingContext context = new RecordingContext(request.envelope());
        handler.handle(request, context).toCompletableFuture().join();
        return context;
    }

    @Test
    void whatTimeIsItBecomesSpeechInNumberedChunks() throws Exception {
        RecordingContext context = handle(TestSentences.request("turn-1", 2, true, "What time is it?"));

        List<Downlink> out = context.downlink();
        List<byte[]> packets = Downlink.spokenSentence(out, 2);
        assertThat(out.get(0).text()).isEqualTo("What time is it?");
        assertThat(out.get(0).last()).isTrue();
        assertThat(out).allSatisfy(r -> {
            assertThat(r.turn()).isEqualTo("turn-1");
            assertThat(r.session()).isEqualTo("session-turn-1");
            assertThat(HeaderValues.text(r.headers(), EnvelopeHeaders.END_OF_SPEECH)).as("timings pass through").contains("1700000000000");
        });
        assertThat(out.get(1).packets()).as("a small first chunk").hasSize(3);
        assertThat(HeaderValues.number(out.get(1).headers(), EnvelopeHeaders.TIMING_PREFIX + "tts")).isPresent();

        short[] pcm = Downlink.decode(packets);
        double seconds = pcm.length / 48_000.0;
        assertThat(seconds).as("duration of 'what time is it'").isBetween(0.7, 3.0);
        assertThat(Downlink.rmsDbfs(pcm)).as("speech energy").isGreaterThan(-35);
        assertThat(context.elsewhere()).isEmpty();
        assertThat(metrics.spokenCount()).isEqualTo(1);
    }

    @Test
    void theSameSentenceTwiceGivesTheSameChunksAndPackets() throws Exception {
        String text = "The quick brown fox jumps over the lazy dog, twice, for a longer sentence.";
        List<Downlink> first = handle(TestSentences.request("turn-2", 0, false, text)).downlink();
        List<Downlink> second = handle(TestSentences.request("turn-2", 0, false, text)).downlink();

        assertThat(first).hasSizeGreaterThan(3);
        assertThat(second).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).type()).isEqualTo(first.get(i).type());
            assertThat(second.get(i).chunk()).isEqualTo(first.get(i).chunk());
            assertThat(second.get(i).fin()).isEqualTo(first.get(i).fin());
            assertThat(second.get(i).payload()).as("payload of record " + i).isEqualTo(first.get(i).payload());
        }
        assertThat(first.stream().filter(r -> r.type().equals(MessageTypes.AUDIO)).map(r -> r.packets().size()).toList())
                .as("3, 6, 12, then at most 16 packets").startsWith(3, 6, 12);
    }

    @Test
    void aSentenceWithNothingToSayFailsAloneWithItsLastFlag() throws Exception {
        for (String text : List.of("", "   ", "😀🎉", "…!?", "**")) {
            RecordingContext context = handle(TestSentences.request("turn-3", 4, true, text));
            assertThat(context.downlink()).as("for '" + text + "'").singleElement().satisfies(r -> {
                assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
                assertThat(r.seq()).isEqualTo(4);
                assertThat(r.last()).isTrue();
                assertThat(r.text()).isEqualTo("tts: nothing to speak in the sentence");
            });
            assertThat(context.elsewhere()).as("nothing to say is not a dead letter").isEmpty();
        }
        assertThat(metrics.failedCount(SynthesisFailure.UNSPEAKABLE)).isEqualTo(5);
    }

    @Test
    void emojiAroundWordsAreShownButNotSpoken() throws Exception {
        List<Downlink> out = handle(TestSentences.request("turn-4", 0, false, "😀 Okay! 🎉")).downlink();
        List<byte[]> packets = Downlink.spokenSentence(out, 0);
        assertThat(out.get(0).text()).isEqualTo("😀 Okay! 🎉");
        assertThat(out.get(0).last()).isFalse();
        assertThat(packets).isNotEmpty();
    }

    @Test
    void textTheOfflineVoiceCannotSayFailsTheSentenceAndIsDeadLettered() throws Exception {
        RecordingContext context = handle(TestSentences.request("turn-5", 1, false, "你好，世界"));
        assertThat(context.downlink()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.seq()).isEqualTo(1);
            assertThat(r.last()).isFalse();
            assertThat(r.text()).contains("English only");
        });
        ProducerRecord<String, byte[]> letter = context.elsewhere().get(0);
        assertThat(context.elsewhere()).hasSize(1);
        assertThat(letter.topic()).isEqualTo(DLQ);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).startsWith("no_audio: ");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);
        assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ORIGIN)).isEqualTo("xiaozhi.tts.requests-0@42");
        assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.SEQUENCE)).isEqualTo(1);
        assertThat(metrics.failedCount(SynthesisFailure.NO_AUDIO)).isEqualTo(1);
    }

    @Test
    void aCancelledTurnIsNotSynthesized() throws Exception {
        StageRequest request = TestSentences.request("turn-6", 0, true, "Never mind.");
        RecordingContext context = new RecordingContext(request.envelope());
        context.cancel();
        handler.handle(request, context).toCompletableFuture().join();
        assertThat(context.sent()).isEmpty();
    }

    @Test
    void aRecordWithoutSequenceIsNotASentence() {
        StageRequest request = TestSentences.request("turn-7", 0, true, "Hello.");
        request.record().headers().remove(EnvelopeHeaders.SEQUENCE);
        RecordingContext context = new RecordingContext(request.envelope());
        assertThatThrownBy(() -> handler.handle(request, context))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("xz.seq is missing");
        assertThat(context.sent()).isEmpty();
        assertThat(metrics.failedCount(TtsMetrics.BAD_REQUEST)).isEqualTo(1);
    }

    @Test
    void aPayloadThatIsNotUtf8IsNotASentence() {
        StageRequest request = TestSentences.request("turn-8", 0, true, "Hello.");
        StageRequest broken = new StageRequest(new org.apache.kafka.clients.consumer.ConsumerRecord<>(
                request.record().topic(), 0, 1, request.record().key(), new byte[] {(byte) 0xC3, (byte) 0x28}), request.envelope(), 1);
        request.record().headers().forEach(h -> broken.record().headers().add(h));
        assertThatThrownBy(() -> handler.handle(broken, new RecordingContext(request.envelope())))
                .isInstanceOf(StageException.class).hasMessageContaining("not UTF-8");
    }
}
