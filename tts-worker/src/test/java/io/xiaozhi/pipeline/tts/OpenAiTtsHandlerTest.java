package io.xiaozhi.pipeline.tts;

import static io.xiaozhi.pipeline.tts.FakeSpeechServer.body;
import static io.xiaozhi.pipeline.tts.FakeSpeechServer.pcm;
import static io.xiaozhi.pipeline.tts.FakeSpeechServer.text;
import static io.xiaozhi.pipeline.tts.FakeSpeechServer.tone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.audio.Wav;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import io.xiaozhi.pipeline.tts.provider.OpenAiSpeech;
import io.xiaozhi.pipeline.tts.provider.ResponseFormat;
import io.xiaozhi.pipeline.tts.provider.SynthesisFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The handler with the OpenAI-compatible provider against a local fake server, without a broker. */
class OpenAiTtsHandlerTest {

    private static final String DLQ = "xiaozhi.tts.dlq";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProviderMetrics providerMetrics = new ProviderMetrics(registry);
    private final TtsMetrics metrics = new TtsMetrics(registry);
    private FakeSpeechServer server;
    private OpenAiSpeech speech;

    @AfterEach
    void stop() {
        if (speech != null) {
            speech.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TtsHandler handler(TtsOptions options, String voice, FakeSpeechServer.Answer... script) throws Exception {
        server = new FakeSpeechServer(script);
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, server.baseUrl(), "sk-test-key",
                "tts-1", voice, Map.of("X-Tenant", "home"));
        speech = new OpenAiSpeech(new OpenAiEndpoint("tts", provider, OpenAiEndpoint.defaultClient(), providerMetrics),
                provider.voice(), provider.apiKey(), options.responseFormat(), options.pcmSampleRate(), options.maxResponseBytes());
        return new TtsHandler(speech, options, new PerformanceConfig.RetryPolicy(3, 20, 100), DLQ, metrics, System::currentTimeMillis);
    }

    private TtsHandler handler(FakeSpeechServer.Answer... script) throws Exception {
        return handler(TtsOptions.defaults(), "", script);
    }

    private static RecordingContext handle(TtsHandler handler, StageRequest request) throws Exception {
        return handle(handler, request, new RecordingContext(request.envelope()));
    }

    private static RecordingContext handle(TtsHandler handler, StageRequest request, RecordingContext context) throws Exception {
        handler.handle(request, context).toCompletableFuture().get(20, TimeUnit.SECONDS);
        return context;
    }

    @Test
    void pcmIsAskedForAndEncodedAsItArrives() throws Exception {
        short[] audio = tone(440, 24_000, 1.0);
        TtsHandler handler = handler(TtsOptions.defaults(), "nova", body(200, "audio/pcm", pcm(audio)));
        RecordingContext context = handle(handler, TestSentences.request("turn-1", 0, false, "Hello 😀 there."));

        FakeSpeechServer.Exchange request = server.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/audio/speech");
        assertThat(request.header("Authorization")).isEqualTo("Bearer sk-test-key");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("X-Tenant")).isEqualTo("home");
        JsonNode json = JSON.readTree(request.body());
        assertThat(json.path("model").asText()).isEqualTo("tts-1");
        assertThat(json.path("input").asText()).as("emoji are not sent to be spoken").isEqualTo("Hello there.");
        assertThat(json.path("voice").asText()).isEqualTo("nova");
        assertThat(json.path("response_format").asText()).isEqualTo("pcm");
        assertThat(json.size()).isEqualTo(4);

        List<Downlink> out = context.downlink();
        List<byte[]> packets = Downlink.spokenSentence(out, 0);
        assertThat(out.get(0).text()).isEqualTo("Hello 😀 there.");
        assertThat(packets).as("1 s of audio in 60 ms packets").hasSize(17);
        short[] decoded = Downlink.decode(packets);
        assertThat(Downlink.rmsDbfs(decoded)).as("the tone's level, 8000/√2 is -15 dBFS").isBetween(-19.0, -12.0);
        assertThat(metrics.spokenCount()).isEqualTo(1);
        assertThat(registry.find(TtsMetrics.AUDIO_SECONDS).counter().count()).isEqualTo(1.0);
    }

    @Test
    void theDefaultVoiceIsAlloy() throws Exception {
        TtsHandler handler = handler(body(200, "audio/pcm", pcm(tone(440, 24_000, 0.2))));
        handle(handler, TestSentences.request("turn-1b", 0, true, "Hi."));
        assertThat(JSON.readTree(server.requests().get(0).body()).path("voice").asText()).isEqualTo("alloy");
    }

    @Test
    void theFirstAudioLeavesBeforeTheProviderHasFinished() throws Exception {
        // the server sends 0.4 s, then holds the rest back until the handler has sent its first chunk
        CountDownLatch firstChunkSent = new CountDownLatch(1);
        AtomicBoolean released = new AtomicBoolean();
        byte[] first = pcm(tone(300, 24_000, 0.4));
        byte[] rest = pcm(tone(300, 24_000, 0.6));
        TtsHandler handler = handler(FakeSpeechServer.streamed("audio/pcm", first, firstChunkSent, rest, released));
        StageRequest request = TestSentences.request("turn-2", 3, true, "A sentence that streams.");
        RecordingContext context = new RecordingContext(request.envelope()).onSend(record -> {
            if (MessageTypes.AUDIO.equals(HeaderValues.text(record.headers(), EnvelopeHeaders.TYPE).orElse(""))) {
                firstChunkSent.countDown();
            }
        });
        handle(handler, request, context);

        assertThat(released).as("chunk 0 went out while the server still held back the rest").isTrue();
        assertThat(Downlink.spokenSentence(context.downlink(), 3)).hasSize(17);
    }

    @Test
    void aWavAnswerAtAnyRateIsConvertedTo24Kilohertz() throws Exception {
        short[] audio = tone(1000, 44_100, 0.8);
        TtsHandler handler = handler(TtsOptions.defaults().withResponseFormat(ResponseFormat.WAV), "",
                body(200, "audio/wav", Wav.encode(audio, 44_100)));
        RecordingContext context = handle(handler, TestSentences.request("turn-3", 1, true, "Wave."));

        assertThat(JSON.readTree(server.requests().get(0).body()).path("response_format").asText()).isEqualTo("wav");
        List<byte[]> packets = Downlink.spokenSentence(context.downlink(), 1);
        assertThat(packets).as("0.8 s in 60 ms packets").hasSize(14);
        assertThat(Downlink.rmsDbfs(Downlink.decode(packets))).isBetween(-19.0, -12.0);
    }

    @Test
    void aWavAnswerToAPcmRequestIsRecognisedByItsHeader() throws Exception {
        TtsHandler handler = handler(body(200, "application/octet-stream", Wav.encode(tone(500, 16_000, 0.5), 16_000)));
        RecordingContext context = handle(handler, TestSentences.request("turn-4", 0, true, "Surprise."));
        assertThat(Downlink.spokenSentence(context.downlink(), 0)).hasSize(9);
    }

    static Stream<Arguments> malformedAnswers() {
        byte[] brokenWav = Arrays.copyOf(Wav.encode(tone(440, 16_000, 0.1), 16_000), 30);
        return Stream.of(
                Arguments.of("JSON with 200", text(200, "application/json", "{\"error\":{\"message\":\"quota exceeded\"}}"),
                        "answered application/json instead of audio: {\"error\":{\"message\":\"quota exceeded\"}}"),
                Arguments.of("HTML", text(200, "text/html; charset=utf-8", "<html><body>Bad gateway</body></html>"),
                        "answered text/html instead of audio: <html><body>Bad gateway"),
                Arguments.of("JSON without a type", text(200, null, "{\"detail\": \"model not loaded\"}"),
                        "the body is text, not audio: {\"detail\": \"model not loaded\"}"),
                Arguments.of("odd PCM", body(200, "audio/pcm", new byte[4801]), "odd number of bytes (4801)"),
                Arguments.of("empty", body(200, "audio/pcm", new byte[0]), "the body is empty: no audio"),
                Arguments.of("MP3", body(200, "audio/mpeg", new byte[2000]), "audio/mpeg, compressed audio"),
                Arguments.of("broken WAV", body(200, "audio/wav", brokenWav), "WAV"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedAnswers")
    void anAnswerThatIsNotAudioFailsTheSentenceAtOnce(String name, FakeSpeechServer.Answer answer, String message) throws Exception {
        TtsHandler handler = handler(answer);
        RecordingContext context = handle(handler, TestSentences.request("turn-5", 2, true, "Something."));

        List<Downlink> out = context.downlink();
        Downlink failed = out.get(out.size() - 1);
        assertThat(failed.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
        assertThat(failed.seq()).isEqualTo(2);
        assertThat(failed.last()).isTrue();
        assertThat(failed.text()).startsWith("tts provider: malformed response: ").contains(message).doesNotContain("sk-test-key");
        assertThat(out.stream().filter(r -> r.type().equals(MessageTypes.SENTENCE_FAILED))).hasSize(1);
        assertThat(server.requests()).as("not retried").hasSize(1);
        assertThat(metrics.failedCount(SynthesisFailure.MALFORMED)).isEqualTo(1);
        assertThat(providerMetrics.count("tts", "malformed")).isEqualTo(1);
        assertThat(context.elsewhere()).singleElement().satisfies(letter -> {
            assertThat(letter.topic()).isEqualTo(DLQ);
            assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).startsWith("malformed: tts provider: malformed");
        });
    }

    @Test
    void audioBeyondTheLimitIsMalformed() throws Exception {
        TtsHandler handler = handler(TtsOptions.defaults().withMaxResponseBytes(48_000), "",
                body(200, "audio/pcm", pcm(tone(300, 24_000, 2.0))));
        RecordingContext context = handle(handler, TestSentences.request("turn-5b", 0, true, "Long."));
        List<Downlink> out = context.downlink();
        assertThat(out.get(out.size() - 1).type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
        assertThat(out.get(out.size() - 1).text()).contains("the audio is longer than 48000 bytes");
        assertThat(out.stream().filter(r -> r.fin())).as("no chunk claims to end the sentence").isEmpty();
        assertThat(metrics.failedCount(SynthesisFailure.MALFORMED)).isEqualTo(1);
    }

    @Test
    void aWavRequestAnsweredWithRawBytesIsMalformed() throws Exception {
        TtsHandler handler = handler(TtsOptions.defaults().withResponseFormat(ResponseFormat.WAV), "",
                body(200, "application/octet-stream", pcm(tone(440, 24_000, 0.2))));
        RecordingContext context = handle(handler, TestSentences.request("turn-6", 0, true, "Wave."));
        assertThat(context.downlink()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.text()).contains("does not start with a RIFF/WAVE header");
        });
    }

    @Test
    void aRequestTheProviderRefusesIsNotRetried() throws Exception {
        TtsHandler handler = handler(text(400, "application/json", "{\"error\":{\"message\":\"unknown voice\"}}"));
        RecordingContext context = handle(handler, TestSentences.request("turn-7", 0, false, "Hello."));
        assertThat(context.downlink()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.last()).isFalse();
            assertThat(r.text()).contains("HTTP 400").contains("unknown voice");
        });
        assertThat(metrics.failedCount(SynthesisFailure.REJECTED)).isEqualTo(1);
        assertThat(providerMetrics.count("tts", "http_4xx")).isEqualTo(1);
    }

    @Test
    void anUnavailableProviderIsRetriedUntilTheLastAttempt() throws Exception {
        TtsHandler handler = handler(text(503, "text/plain", "overloaded"));
        RecordingContext first = new RecordingContext(TestSentences.envelope("turn-8", "xiaozhi.downlink.test"));
        assertThatThrownBy(() -> handler.handle(TestSentences.request("turn-8", 0, true, "Hello.", "xiaozhi.downlink.test", 1), first))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("HTTP 503");
        assertThat(first.sent()).as("nothing sent by an attempt to be retried").isEmpty();

        RecordingContext last = handle(handler, TestSentences.request("turn-8", 0, true, "Hello.", "xiaozhi.downlink.test", 3));
        assertThat(last.downlink()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.text()).contains("HTTP 503");
        });
        assertThat(HeaderValues.requiredNumber(last.elsewhere().get(0).headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(3);
        assertThat(metrics.failedCount(SynthesisFailure.UNAVAILABLE)).isEqualTo(1);
    }

    @Test
    void whenTheTurnLeavesNoTimeForAnotherAttemptTheSentenceFailsAtOnce() throws Exception {
        TtsHandler handler = handler(text(503, "text/plain", "overloaded"));
        // the first backoff is 20 ms; the turn ends in 15 ms
        StageRequest request = TestSentences.request("turn-8b", 0, true, "Hello.", 1, System.currentTimeMillis() + 15);
        RecordingContext context = handle(handler, request);
        assertThat(context.downlink()).singleElement().satisfies(r -> assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED));

        StageRequest roomy = TestSentences.request("turn-8c", 0, true, "Hello.", 1, System.currentTimeMillis() + 60_000);
        assertThatThrownBy(() -> handler.handle(roomy, new RecordingContext(roomy.envelope()))).isInstanceOf(StageException.class);
    }

    @Test
    void aBodyThatStallsTimesOutWithinTheAttempt() throws Exception {
        TtsHandler handler = handler(FakeSpeechServer.stalled("audio/pcm", new byte[400]));
        StageRequest request = TestSentences.request("turn-9", 0, true, "Hello.", "xiaozhi.downlink.test", 3);
        RecordingContext context = new RecordingContext(request.envelope(), Duration.ofMillis(800));
        long start = System.nanoTime();
        handle(handler, request, context);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the budget is 600 ms of 800").isLessThan(Duration.ofSeconds(3));
        assertThat(context.downlink()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(MessageTypes.SENTENCE_FAILED);
            assertThat(r.text()).contains("did not end within 600 ms");
        });
        assertThat(metrics.failedCount(SynthesisFailure.TIMEOUT)).isEqualTo(1);
        assertThat(providerMetrics.count("tts", "timeout")).isEqualTo(1);
    }

    @Test
    void audioThatBreaksOffAfterItsFirstChunkEndsTheSentenceWithoutRetry() throws Exception {
        TtsHandler handler = handler(FakeSpeechServer.stalled("audio/pcm", pcm(tone(300, 24_000, 0.5))));
        StageRequest request = TestSentences.request("turn-10", 5, false, "Hello.", "xiaozhi.downlink.test", 1);
        RecordingContext context = handle(handler, request, new RecordingContext(request.envelope(), Duration.ofMillis(800)));

        List<Downlink> out = context.downlink();
        assertThat(out).extracting(Downlink::type).containsExactly(MessageTypes.SENTENCE, MessageTypes.AUDIO, MessageTypes.SENTENCE_FAILED);
        assertThat(out.get(1).fin()).isFalse();
        assertThat(out.get(2).text()).startsWith("tts: the audio broke off after 1 chunk(s)");
        assertThat(metrics.failedCount(SynthesisFailure.INTERRUPTED)).isEqualTo(1);
    }

    @Test
    void aCancelledTurnStopsTheStreamAndSendsNothingMore() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        TtsHandler handler = handler(FakeSpeechServer.streamed("audio/pcm", pcm(tone(300, 24_000, 0.5)), never, new byte[0],
                new AtomicBoolean()));
        StageRequest request = TestSentences.request("turn-11", 0, true, "Hello.");
        RecordingContext context = new RecordingContext(request.envelope());
        context.onSend(record -> {
            if (MessageTypes.AUDIO.equals(HeaderValues.text(record.headers(), EnvelopeHeaders.TYPE).orElse(""))) {
                context.cancel();
            }
        });
        long start = System.nanoTime();
        handle(handler, request, context);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(context.downlink()).extracting(Downlink::type).containsExactly(MessageTypes.SENTENCE, MessageTypes.AUDIO);
        assertThat(context.elsewhere()).isEmpty();
        never.countDown();
    }

    @Test
    void theRequestCarriesTheSentenceAsJson() throws Exception {
        handler(body(200, "audio/pcm", new byte[2]));
        String json = new String(invokeRequestBody("Say \"hi\"\nplease"), StandardCharsets.UTF_8);
        assertThat(JSON.readTree(json).path("input").asText()).isEqualTo("Say \"hi\"\nplease");
    }

    private byte[] invokeRequestBody(String text) throws Exception {
        var method = OpenAiSpeech.class.getDeclaredMethod("requestBody", String.class);
        method.setAccessible(true);
        return (byte[]) method.invoke(speech, text);
    }
}
