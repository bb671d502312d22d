package io.xiaozhi.pipeline.loadtest.providers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.common.audio.Wav;
import io.xiaozhi.pipeline.common.provider.ServerSentEvents;
import io.xiaozhi.pipeline.loadtest.providers.SimulatorStats.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator's endpoints as an OpenAI client meets them: shapes, fixed answers, lower bounds of the delays, errors. */
class ProviderSimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private ProviderSimulator simulator;

    @AfterEach
    void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }

    /** ASR 200 ms, first token 150 ms at 50 tokens/s, vision 100 ms, TTS at 0.25, 20 % jitter. */
    private ProviderSimulator start(double rate429, double rate500) {
        simulator = ProviderSimulator.start(new SimulatorSettings("127.0.0.1", 0, 200, 0.2, "what time is it", 150, 50,
                "It is ten o'clock. Anything else?", 100, "A red square.", 0.25, 15, 440, rate429, rate500, 50));
        return simulator;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + simulator.port() + path);
    }

    private HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static HttpRequest.BodyPublisher multipart(String boundary, byte[] audio) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(audio);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.BodyPublishers.ofByteArray(body.toByteArray());
    }

    @Test
    void transcribesAfterTheSimulatedTime() throws Exception {
        start(0, 0);
        long start = System.nanoTime();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/v1/audio/transcriptions"))
                .header("Content-Type", "multipart/form-data; boundary=XyZ").POST(multipart("XyZ", Wav.encode(new short[1600], 16_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("text").asText()).isEqualTo("what time is it");
        assertThat(elapsedMs).as("at least the mean less the jitter").isGreaterThanOrEqualTo(160);
        assertThat(simulator.stats().served(Endpoint.TRANSCRIPTIONS)).isEqualTo(1);
        assertThat(simulator.stats().simulatedMs(Endpoint.TRANSCRIPTIONS)).isBetween(160.0, 240.0);

        HttpResponse<String> noFile = HTTP.send(post("/v1/audio/transcriptions", "{}").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noFile.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noFile.body()).path("error").path("message").asText()).contains("file");
        assertThat(simulator.stats().malformedCount(Endpoint.TRANSCRIPTIONS)).isEqualTo(1);
    }

    @Test
    void streamsTheAnswerWordByWordAsServerSentEvents() throws Exception {
        start(0, 0);
        long start = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(post("/v1/chat/completions",
                "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("text/event-stream");
        List<String> contents = new ArrayList<>();
        List<String> finishReasons = new ArrayList<>();
        long[] firstTokenNanos = {0};
        ServerSentEvents.End end;
        try (InputStream in = response.body()) {
            end = ServerSentEvents.read(in, data -> {
                JsonNode choice = JSON.readTree(data).path("choices").path(0);
                if (choice.path("delta").has("content")) {
                    if (firstTokenNanos[0] == 0) {
                        firstTokenNanos[0] = System.nanoTime();
                    }
                    contents.add(choice.path("delta").path("content").asText());
                }
                if (!choice.path("finish_reason").isNull()) {
                    finishReasons.add(choice.path("finish_reason").asText());
                }
                return true;
            });
        }
        long totalMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(end).isEqualTo(ServerSentEvents.End.DONE);
        assertThat(contents).containsExactly("It", " is", " ten", " o'clock.", " Anything", " else?");
        assertThat(finishReasons).containsExactly("stop");
        assertThat((firstTokenNanos[0] - start) / 1_000_000).as("time to first token").isGreaterThanOrEqualTo(120);
        // five more tokens at 50 per second after the first
        assertThat(totalMs).isGreaterThanOrEqualTo(120 + 5 * 20);
        assertThat(simulator.stats().served(Endpoint.CHAT)).isEqualTo(1);
    }

    @Test
    void answersWholeCompletionsAndVision() throws Exception {
        start(0, 0);
        HttpResponse<String> plain = HTTP.send(post("/v1/chat/completions",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build(), HttpResponse.BodyHandlers.ofString());
        JsonNode choice = JSON.readTree(plain.body()).path("choices").path(0);
        assertThat(choice.path("message").path("content").asText()).isEqualTo("It is ten o'clock. Anything else?");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");

        long start = System.nanoTime();
        HttpResponse<String> vision = HTTP.send(post("/v1/chat/completions", "{\"model\":\"v\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"what is this\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,AAAA\"}}]}]}")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(80);
        assertThat(JSON.readTree(vision.body()).path("choices").path(0).path("message").path("content").asText()).isEqualTo("A red square.");
        assertThat(simulator.stats().served(Endpoint.VISION)).isEqualTo(1);
        assertThat(simulator.stats().served(Endpoint.CHAT)).isEqualTo(1);

        HttpResponse<String> broken = HTTP.send(post("/v1/chat/completions", "not json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(broken.statusCode()).isEqualTo(400);
    }

    @Test
    void speaksPcmAsLongAsTheTextAtTheRealTimeFactor() throws Exception {
        start(0, 0);
        String text = "It is ten o'clock in the morning."; // 33 characters: 2.2 s at 15 per second
        long start = System.nanoTime();
        HttpResponse<byte[]> pcm = HTTP.send(post("/v1/audio/speech",
                "{\"model\":\"tts\",\"input\":\"" + text + "\",\"voice\":\"alloy\",\"response_format\":\"pcm\"}").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(pcm.statusCode()).isEqualTo(200);
        int samples = pcm.body().length / 2;
        assertThat(samples).isEqualTo(Math.round(33 / 15.0 * 24_000));
        // produced at 0.25 × 2.2 s, less the jitter
        assertThat(elapsedMs).isGreaterThanOrEqualTo((long) (0.25 * 0.8 * 2_200));
        int peak = 0;
        for (int i = 0; i < samples; i++) {
            peak = Math.max(peak, Math.abs((short) ((pcm.body()[2 * i] & 0xff) | (pcm.body()[2 * i + 1] << 8))));
        }
        assertThat(peak).as("a tone, not silence").isGreaterThan(3_000);

        HttpResponse<byte[]> wav = HTTP.send(post("/v1/audio/speech", "{\"model\":\"tts\",\"input\":\"Hello there.\",\"response_format\":\"wav\"}")
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        Wav.Audio audio = Wav.decode(wav.body());
        assertThat(audio.sampleRate()).isEqualTo(24_000);
        assertThat(audio.samples()).hasSize((int) Math.round(12 / 15.0 * 24_000));

        HttpResponse<String> mp3 = HTTP.send(post("/v1/audio/speech", "{\"input\":\"Hello\",\"response_format\":\"mp3\"}").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(mp3.statusCode()).isEqualTo(400);
        assertThat(simulator.stats().served(Endpoint.SPEECH)).isEqualTo(2);
        assertThat(simulator.stats().malformedCount(Endpoint.SPEECH)).isEqualTo(1);
    }

    @Test
    void injectsErrorsAndCountsEverythingAtStats() throws Exception {
        start(1.0, 0);
        HttpResponse<String> limited = HTTP.send(post("/v1/chat/completions",
                "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(limited.body()).path("error").path("type").asText()).isEqualTo("rate_limit_exceeded");
        HttpResponse<String> speech = HTTP.send(post("/v1/audio/speech", "{\"input\":\"Hello\"}").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(speech.statusCode()).isEqualTo(429);

        JsonNode stats = JSON.readTree(HTTP.send(HttpRequest.newBuilder(uri("/stats")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(stats.path("simulator").asText()).contains("benchmarks only");
        assertThat(stats.path("endpoints").path("chat").path("injected_429").asLong()).isEqualTo(1);
        assertThat(stats.path("endpoints").path("speech").path("injected_429").asLong()).isEqualTo(1);
        assertThat(stats.path("endpoints").path("chat").path("served").asLong()).isZero();
        simulator.close();

        start(0, 1.0);
        HttpResponse<String> failed = HTTP.send(post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(simulator.stats().injectedCount(Endpoint.CHAT, 500)).isEqualTo(1);
    }
}
