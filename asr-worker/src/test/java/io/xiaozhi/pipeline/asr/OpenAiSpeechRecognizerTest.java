package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.audio.Wav;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible recognizer against a local fake server: the request it makes and how it reads answers. */
class OpenAiSpeechRecognizerTest {

    private static final Envelope ENVELOPE = new Envelope("s", "d", "t", System.currentTimeMillis() + 600_000, "r");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private FakeTranscriptionServer server;
    private OpenAiSpeechRecognizer recognizer;

    @BeforeEach
    void start() throws Exception {
        server = new FakeTranscriptionServer();
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, server.baseUrl(), "sk-test-key",
                "whisper-1", "", Map.of("X-Tenant", "kitchen"));
        recognizer = new OpenAiSpeechRecognizer(new OpenAiEndpoint("asr", provider, OpenAiEndpoint.defaultClient(), new ProviderMetrics(meters)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private double failures(String reason) {
        return new ProviderMetrics(meters).count("asr", reason);
    }

    private static short[] ramp(int samples) {
        short[] pcm = new short[samples];
        for (int i = 0; i < samples; i++) {
            pcm[i] = (short) (i * 7 - 20_000);
        }
        return pcm;
    }

    @Test
    void theUtteranceIsPostedAsAWavFileInAMultipartForm() {
        server.then(FakeTranscriptionServer.transcript("What time is it?"));
        short[] pcm = ramp(16_000 + 123);

        assertThat(recognizer.transcribe(pcm, new RecordingContext(ENVELOPE))).isEqualTo("What time is it?");

        FakeTranscriptionServer.Received request = server.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/audio/transcriptions");
        assertThat(request.header("Authorization")).isEqualTo("Bearer sk-test-key");
        assertThat(request.header("X-Tenant")).isEqualTo("kitchen");
        Map<String, MultipartParts.Part> parts = MultipartParts.parse(request.header("Content-Type"), request.body());
        assertThat(parts).containsOnlyKeys("file", "model", "response_format");
        assertThat(parts.get("model").text()).isEqualTo("whisper-1");
        assertThat(parts.get("response_format").text()).isEqualTo("json");
        MultipartParts.Part file = parts.get("file");
        assertThat(file.fileName()).isEqualTo("audio.wav");
        assertThat(file.contentType()).isEqualTo("audio/wav");
        assertThat(Wav.looksLikeWav(file.content())).isTrue();
        assertThat(file.content()).hasSize(44 + 2 * pcm.length);
        Wav.Audio audio = Wav.decode(file.content());
        assertThat(audio.sampleRate()).isEqualTo(16_000);
        assertThat(audio.samples()).containsExactly(pcm);
    }

    @Test
    void everyFormHasItsOwnBoundary() {
        MultipartForm first = recognizer.requestForm(new short[10]);
        MultipartForm second = recognizer.requestForm(new short[10]);
        assertThat(first.boundary()).isNotEqualTo(second.boundary()).hasSizeGreaterThan(30);
        assertThat(first.contentType()).isEqualTo("multipart/form-data; boundary=" + first.boundary());
    }

    @Test
    void anEmptyTextIsATranscriptOfNothing() {
        server.then(FakeTranscriptionServer.transcript(""));
        assertThat(recognizer.transcribe(ramp(800), new RecordingContext(ENVELOPE))).isEmpty();
    }

    @Test
    void anAnswerThatIsNotJsonIsMalformedAndNotRetried() {
        server.then(FakeTranscriptionServer.status(200, "what time is it"));
        assertThatThrownBy(() -> recognizer.transcribe(ramp(800), new RecordingContext(ENVELOPE)))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("malformed response").hasMessageContaining("not JSON");
        assertThat(failures("malformed")).isEqualTo(1);
    }

    @Test
    void jsonWithoutAStringTextIsMalformed() {
        assertThat(recognizer.textOf("{\"text\":\"ok\",\"language\":\"en\"}".getBytes())).isEqualTo("ok");
        assertThatThrownBy(() -> recognizer.textOf("{\"transcript\":\"hi\"}".getBytes())).hasMessageContaining("no \"text\" field");
        assertThatThrownBy(() -> recognizer.textOf("{\"text\":42}".getBytes())).hasMessageContaining("\"text\" is number, not a string");
        assertThatThrownBy(() -> recognizer.textOf("{\"text\":null}".getBytes())).hasMessageContaining("\"text\" is null");
        assertThatThrownBy(() -> recognizer.textOf("[\"hi\"]".getBytes())).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> recognizer.textOf(new byte[0])).hasMessageContaining("empty");
        assertThatThrownBy(() -> recognizer.textOf("{\"error\":{\"message\":\"quota exceeded\"}}".getBytes()))
                .hasMessageContaining("no text but an error: quota exceeded");
        assertThat(failures("malformed")).isEqualTo(6);
    }

    @Test
    void aBodyOverOneMebibyteIsMalformed() {
        byte[] huge = new byte[OpenAiSpeechRecognizer.MAX_RESPONSE_BYTES + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        server.then((exchange, s) -> FakeTranscriptionServer.send(exchange, 200, huge));
        assertThatThrownBy(() -> recognizer.transcribe(ramp(800), new RecordingContext(ENVELOPE)))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("larger than 1048576 bytes");
        assertThat(failures("malformed")).isEqualTo(1);
    }

    @Test
    void anAnswerSlowerThanTheTimeLeftIsARetryableTimeout() {
        server.then(FakeTranscriptionServer.after(3000, FakeTranscriptionServer.transcript("late")));
        long began = System.nanoTime();
        assertThatThrownBy(() -> recognizer.transcribe(ramp(800), new RecordingContext(ENVELOPE, Duration.ofMillis(400))))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("no answer in time");
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofMillis(2500));
        assertThat(failures("timeout")).isEqualTo(1);
    }

    @Test
    void httpFailuresAreClassifiedByTheEndpoint() {
        server.then(FakeTranscriptionServer.status(429, "{\"error\":{\"message\":\"slow down\"}}"),
                FakeTranscriptionServer.status(400, "{\"error\":{\"message\":\"bad audio\"}}"));
        assertThatThrownBy(() -> recognizer.transcribe(ramp(800), new RecordingContext(ENVELOPE)))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue()).hasMessageContaining("HTTP 429");
        assertThatThrownBy(() -> recognizer.transcribe(ramp(800), new RecordingContext(ENVELOPE)))
                .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse()).hasMessageContaining("bad audio");
        assertThat(failures("http_429")).isEqualTo(1);
        assertThat(failures("http_4xx")).isEqualTo(1);
    }

    @Test
    void aCancelledTurnAbortsTheCallEvenWhileTheAnswerIsBeingRead() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            for (FakeTranscriptionServer.Reply reply : new FakeTranscriptionServer.Reply[] {
                    FakeTranscriptionServer.after(30_000, FakeTranscriptionServer.transcript("never")), FakeTranscriptionServer.stallBody()}) {
                server.then(reply);
                RecordingContext context = new RecordingContext(ENVELOPE, Duration.ofSeconds(60));
                timer.schedule(context::cancel, 300, TimeUnit.MILLISECONDS);
                long began = System.nanoTime();
                assertThatThrownBy(() -> recognizer.transcribe(ramp(800), context))
                        .isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isTrue())
                        .hasMessageContaining("aborted");
                assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(10));
            }
        } finally {
            timer.shutdownNow();
        }
        assertThat(failures("connection")).isZero();
    }

    @Test
    void theDescriptionNamesModelAndEndpoint() {
        assertThat(recognizer.description()).isEqualTo("openai (model whisper-1 at " + server.baseUrl() + "/audio/transcriptions)");
        assertThat(recognizer.tag()).isEqualTo("openai");
    }
}
