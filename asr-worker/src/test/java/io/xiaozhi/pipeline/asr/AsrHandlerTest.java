package io.xiaozhi.pipeline.asr;

import static io.xiaozhi.pipeline.asr.RecordingContext.typeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The handler's outputs for each kind of utterance, with a recognizer that answers from a script. */
class AsrHandlerTest {

    private static final String LLM = "llm-requests";
    private static final String REPLIES = "downlink-gw1";
    private static final Envelope ENVELOPE = new Envelope("session-1", "aa:bb:cc:dd:ee:ff", "turn-7", System.currentTimeMillis() + 30_000, REPLIES);
    private static final long EOS = 1_764_230_400_123L;

    /** Answers every utterance with {@code text} and keeps what it was given. */
    private static final class ScriptedRecognizer implements SpeechRecognizer {
        final List<short[]> heard = new CopyOnWriteArrayList<>();
        private final String text;
        private final long millis;

        ScriptedRecognizer(String text) {
            this(text, 0);
        }

        ScriptedRecognizer(String text, long millis) {
            this.text = text;
            this.millis = millis;
        }

        @Override
        public String description() {
            return "scripted";
        }

        @Override
        public String tag() {
            return "scripted";
        }

        @Override
        public String transcribe(short[] pcm, StageContext context) {
            heard.add(pcm);
            if (millis > 0) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return text;
        }
    }

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private AsrHandler handler(SpeechRecognizer recognizer) {
        return new AsrHandler(recognizer, new AsrMetrics(meters, recognizer.tag()), LLM, Clock.systemUTC());
    }

    private static StageRequest request(byte[] payload, int attempt) {
        RecordHeaders headers = new RecordHeaders();
        ENVELOPE.writeTo(headers);
        HeaderValues.putLong(headers, EnvelopeHeaders.END_OF_SPEECH, EOS);
        return request(payload, headers, attempt);
    }

    private static StageRequest request(byte[] payload, RecordHeaders headers, int attempt) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("asr-requests", 0, 42, 0L, TimestampType.LOG_APPEND_TIME,
                0, payload.length, ENVELOPE.sessionId(), payload, headers, java.util.Optional.empty());
        return new StageRequest(record, ENVELOPE, attempt);
    }

    private static byte[] speechPayload(int packets) {
        short[] pcm = new short[packets * 960];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (6000 * Math.sin(2 * Math.PI * 300 * i / 16_000.0));
        }
        return AudioFrames.encode(TestSpeech.packets(pcm));
    }

    private double count(String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aTranscriptGoesToTheDeviceAndOnToTheLanguageModelUnderTheEnvelope() throws Exception {
        ScriptedRecognizer recognizer = new ScriptedRecognizer("what time is it");
        RecordingContext context = new RecordingContext(ENVELOPE);
        long before = System.currentTimeMillis();
        handler(recognizer).handle(request(speechPayload(12), 1), context).toCompletableFuture().get();
        long after = System.currentTimeMillis();

        assertThat(recognizer.heard).singleElement().satisfies(pcm -> assertThat(pcm).hasSize(12 * 960));
        List<ProducerRecord<String, byte[]>> replies = context.to(REPLIES);
        assertThat(replies).singleElement().satisfies(stt -> {
            assertThat(typeOf(stt)).isEqualTo(MessageTypes.STT);
            assertThat(new String(stt.value(), StandardCharsets.UTF_8)).isEqualTo("what time is it");
        });

        ProducerRecord<String, byte[]> llm = context.to(LLM).get(0);
        assertThat(context.to(LLM)).hasSize(1);
        assertThat(llm.key()).isEqualTo("session-1");
        assertThat(new String(llm.value(), StandardCharsets.UTF_8)).isEqualTo("what time is it");
        assertThat(Envelope.readFrom(llm.headers())).isEqualTo(ENVELOPE);
        assertThat(HeaderValues.text(llm.headers(), EnvelopeHeaders.TYPE)).isEmpty();
        assertThat(HeaderValues.requiredNumber(llm.headers(), EnvelopeHeaders.END_OF_SPEECH)).isEqualTo(EOS);
        long start = HeaderValues.requiredNumber(llm.headers(), "xz.t.asr.start");
        long end = HeaderValues.requiredNumber(llm.headers(), "xz.t.asr.end");
        assertThat(start).isBetween(before, after);
        assertThat(end).isBetween(start, after);
        assertThat(HeaderValues.timings(llm.headers())).containsOnlyKeys("eos", "asr.start", "asr.end");

        assertThat(count(AsrMetrics.AUDIO_SECONDS, "stage", "asr", "provider", "scripted")).isCloseTo(0.72, org.assertj.core.data.Offset.offset(1e-9));
        DistributionSummary rtf = meters.find(AsrMetrics.REAL_TIME_FACTOR).summary();
        assertThat(rtf.count()).isEqualTo(1);
        assertThat(meters.find(AsrMetrics.RECOGNITION).timer().count()).isEqualTo(1);
        assertThat(count(AsrMetrics.EMPTY, "reason", "no_speech")).isZero();
    }

    @Test
    void markersAroundWordsAreDroppedFromTheText() throws Exception {
        RecordingContext context = new RecordingContext(ENVELOPE);
        handler(new ScriptedRecognizer("[noise] turn on the light <unk>")).handle(request(speechPayload(5), 1), context).toCompletableFuture().get();
        assertThat(context.to(LLM)).singleElement().satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("turn on the light"));
    }

    @Test
    void aTranscriptOfOnlyNoiseEndsTheTurnQuietly() throws Exception {
        for (String noise : List.of("", "[noise]", "<unk> <sil>", "...")) {
            RecordingContext context = new RecordingContext(ENVELOPE);
            handler(new ScriptedRecognizer(noise)).handle(request(speechPayload(5), 1), context).toCompletableFuture().get();
            assertThat(context.sent).as("outputs for '%s'", noise).singleElement().satisfies(end -> {
                assertThat(end.topic()).isEqualTo(REPLIES);
                assertThat(typeOf(end)).isEqualTo(MessageTypes.TURN_END);
                assertThat(end.value()).isEmpty();
                assertThat(Envelope.readFrom(end.headers())).isEqualTo(ENVELOPE);
            });
        }
        assertThat(count(AsrMetrics.EMPTY, "stage", "asr", "reason", "no_speech")).isEqualTo(4);
    }

    @Test
    void anUtteranceOfNoPacketsEndsTheTurnWithoutAskingTheRecognizer() throws Exception {
        ScriptedRecognizer recognizer = new ScriptedRecognizer("never");
        RecordingContext context = new RecordingContext(ENVELOPE);
        handler(recognizer).handle(request(AudioFrames.encode(List.of()), 1), context).toCompletableFuture().get();
        assertThat(recognizer.heard).isEmpty();
        assertThat(context.sent).singleElement().satisfies(end -> assertThat(typeOf(end)).isEqualTo(MessageTypes.TURN_END));
        assertThat(count(AsrMetrics.EMPTY, "reason", "no_audio")).isEqualTo(1);
    }

    @Test
    void undecodablePacketsAreCountedAndSkipped() throws Exception {
        ScriptedRecognizer recognizer = new ScriptedRecognizer("never");
        RecordingContext context = new RecordingContext(ENVELOPE);
        handler(recognizer).handle(request(AudioFrames.encode(TestSpeech.garbagePackets(4)), 1), context).toCompletableFuture().get();
        assertThat(recognizer.heard).isEmpty();
        assertThat(context.sent).singleElement().satisfies(end -> assertThat(typeOf(end)).isEqualTo(MessageTypes.TURN_END));
        assertThat(count(AsrMetrics.UNDECODABLE)).isEqualTo(4);
        assertThat(count(AsrMetrics.EMPTY, "reason", "no_audio")).isEqualTo(1);

        List<byte[]> mixed = new ArrayList<>(TestSpeech.packets(new short[6 * 960]));
        mixed.addAll(3, TestSpeech.garbagePackets(2));
        RecordingContext second = new RecordingContext(ENVELOPE);
        ScriptedRecognizer hears = new ScriptedRecognizer("hello");
        handler(hears).handle(request(AudioFrames.encode(mixed), 1), second).toCompletableFuture().get();
        assertThat(hears.heard).singleElement().satisfies(pcm -> assertThat(pcm).hasSize(6 * 960));
        assertThat(second.to(LLM)).hasSize(1);
        assertThat(count(AsrMetrics.UNDECODABLE)).isEqualTo(6);
    }

    @Test
    void aRetryDoesNotCountTheSameBadPacketsAgain() throws Exception {
        handler(new ScriptedRecognizer("x")).handle(request(AudioFrames.encode(TestSpeech.garbagePackets(3)), 2), new RecordingContext(ENVELOPE))
                .toCompletableFuture().get();
        assertThat(count(AsrMetrics.UNDECODABLE)).isZero();
    }

    @Test
    void aTruncatedPayloadIsRefusedForGoodAndCounted() {
        byte[] payload = speechPayload(4);
        byte[] truncated = Arrays.copyOf(payload, payload.length - 7);
        RecordingContext context = new RecordingContext(ENVELOPE);
        ScriptedRecognizer recognizer = new ScriptedRecognizer("never");
        assertThatThrownBy(() -> handler(recognizer).handle(request(truncated, 1), context))
                .isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).startsWith("audio payload is truncated");
                });
        assertThat(context.sent).isEmpty();
        assertThat(recognizer.heard).isEmpty();
        assertThat(count(AsrMetrics.BAD_INPUT, "reason", "payload")).isEqualTo(1);
    }

    @Test
    void aTurnCancelledBeforeRecognitionIsNotTranscribed() throws Exception {
        ScriptedRecognizer recognizer = new ScriptedRecognizer("never");
        RecordingContext context = new RecordingContext(ENVELOPE);
        context.cancel();
        handler(recognizer).handle(request(speechPayload(5), 1), context).toCompletableFuture().get();
        assertThat(recognizer.heard).isEmpty();
        assertThat(context.sent).isEmpty();
    }

    @Test
    void aTimingHeaderThatIsNotANumberIsDroppedAndCountedAndTheTurnGoesOn() throws Exception {
        RecordHeaders headers = new RecordHeaders();
        ENVELOPE.writeTo(headers);
        HeaderValues.putLong(headers, EnvelopeHeaders.END_OF_SPEECH, EOS);
        HeaderValues.putText(headers, "xz.t.vad", "soon");
        RecordingContext context = new RecordingContext(ENVELOPE);
        handler(new ScriptedRecognizer("hello")).handle(request(speechPayload(5), headers, 1), context).toCompletableFuture().get();
        ProducerRecord<String, byte[]> llm = context.to(LLM).get(0);
        assertThat(HeaderValues.timings(llm.headers())).containsOnlyKeys("eos", "asr.start", "asr.end");
        assertThat(count(AsrMetrics.BAD_INPUT, "reason", "timing_header")).isEqualTo(1);
    }

    @Test
    void theRecognizersTimeTravelsAsTheProvidersShareOfTheTurn() throws Exception {
        RecordingContext context = new RecordingContext(ENVELOPE);
        long before = System.nanoTime();
        handler(new ScriptedRecognizer("what time is it", 150)).handle(request(speechPayload(12), 1), context).toCompletableFuture().get();
        long elapsedMillis = (System.nanoTime() - before) / 1_000_000;

        long provider = HeaderValues.providerMillis(context.to(LLM).get(0).headers());
        assertThat(provider).isBetween(150L, elapsedMillis);
    }
}
