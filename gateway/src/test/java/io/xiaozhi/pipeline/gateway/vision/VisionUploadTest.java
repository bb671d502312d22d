package io.xiaozhi.pipeline.gateway.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.gateway.Gateway;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.InMemoryDeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A device uploads a photo to a running gateway, as the firmware does (multipart, chunked, bearer
 * token); the test plays the vision worker on Kafka, or does not, and checks what the device is told.
 */
@ExtendWith(KafkaBrokerExtension.class)
class VisionUploadTest {

    private static final String SECRET = "a-secret-of-at-least-16-characters";
    private static final String BOUNDARY = "----ESP32_CAMERA_BOUNDARY";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private Gateway gateway;
    private Settings settings;
    private String gatewayId;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(KafkaTestBroker kafka, Map<String, String> extra) throws InterruptedException {
        gatewayId = "gw-vision-" + System.nanoTime();
        Map<String, String> env = new HashMap<>(Map.of(
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "XIAOZHI_SERVER_GATEWAY_ID", gatewayId,
                "XIAOZHI_SERVER_AUTH_SECRET", SECRET,
                "XIAOZHI_VAD_KIND", "energy"));
        env.putAll(extra);
        settings = ConfigLoader.load(Path.of("target", "no-data-dir"), env);
        DeviceTokens tokens = new DeviceTokens(settings.config().server().auth(), Clock.systemUTC());
        InMemoryDeviceRegistry devices = new InMemoryDeviceRegistry();
        OtaResponder ota = new OtaResponder(settings.config().server(), tokens, devices, Clock.systemUTC(), meters);
        gateway = Gateway.start(settings, tokens, ota, new AdminBinding("", devices), meters, 0, 0);
    }

    private static String device() {
        long n = System.nanoTime() & 0xFFFFFFL;
        return String.format("aa:bb:cc:%02x:%02x:%02x", (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF);
    }

    /** A JPEG's signature followed by {@code size - 3} bytes of filler. */
    private static byte[] jpeg(int size) {
        byte[] image = new byte[size];
        Arrays.fill(image, (byte) 0x5A);
        image[0] = (byte) 0xFF;
        image[1] = (byte) 0xD8;
        image[2] = (byte) 0xFF;
        return image;
    }

    /** The firmware's form: {@code question}, then {@code file} as camera.jpg; a null part is left out. */
    private static byte[] form(String question, byte[] file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (question != null) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"question\"\r\n\r\n" + question + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (file != null) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"camera.jpg\"\r\n"
                    + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(file);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Posts with chunked transfer encoding (the body's length is not announced), as the device does. */
    private CompletableFuture<HttpResponse<String>> upload(int port, String deviceId, String token, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + VisionEndpoint.PATH))
                .timeout(Duration.ofSeconds(60))
                .header("Device-Id", deviceId)
                .header("Client-Id", "client-1")
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode answer(CompletableFuture<HttpResponse<String>> response) throws Exception {
        HttpResponse<String> r = response.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as("the device needs HTTP 200 whatever the outcome").isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private double refused(String reason) {
        return meters.get("xiaozhi.gateway.vision.refused").tag("reason", reason).counter().count();
    }

    /** Plays the vision worker: reads requests from the vision topic from its current end. */
    private final class Worker implements AutoCloseable {
        private final KafkaClients clients = new KafkaClients(settings.config().kafka(), "vision-worker-test");
        private final KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("vllm"));
        private final KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.VOICE);

        Worker() {
            String topic = "xiaozhi.vllm.requests";
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToEnd(all);
            all.forEach(consumer::position);
        }

        ConsumerRecord<String, byte[]> next(String deviceId) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (deviceId.equals(record.key())) {
                        return record;
                    }
                }
            }
            throw new AssertionError("no vision request of " + deviceId);
        }

        void reply(Envelope envelope, String type, String text) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(),
                    text.getBytes(StandardCharsets.UTF_8));
            envelope.writeTo(record.headers());
            HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, type);
            producer.send(record);
            producer.flush();
        }

        @Override
        public void close() {
            consumer.close();
            producer.close();
        }
    }

    @Test
    void aPhotoRoundTripsThroughTheVisionTopicAndTheDeviceGetsTheAnswer(KafkaTestBroker kafka) throws Exception {
        start(kafka, Map.of());
        String deviceId = device();
        byte[] image = jpeg(4 * 1024 * 1024);
        try (Worker worker = new Worker()) {
            long before = System.currentTimeMillis();
            CompletableFuture<HttpResponse<String>> response = upload(gateway.server().httpPort(), deviceId,
                    gateway.visionTokens().issue(deviceId), form("What is on the table?", image));

            ConsumerRecord<String, byte[]> record = worker.next(deviceId);
            Envelope envelope = Envelope.readFrom(record.headers());
            assertThat(envelope.deviceId()).isEqualTo(deviceId);
            assertThat(envelope.turnId()).isEqualTo(envelope.sessionId()).isNotEmpty();
            assertThat(envelope.replyTo()).isEqualTo("xiaozhi.downlink." + gatewayId);
            assertThat(envelope.deadlineEpochMs()).as("now + ai_providers.vllm.timeout (30 s)")
                    .isBetween(before + 30_000, System.currentTimeMillis() + 30_000);
            VisionRequest request = VisionRequest.decode(record.value());
            assertThat(request.question()).isEqualTo("What is on the table?");
            assertThat(request.imageType()).isEqualTo("image/jpeg");
            assertThat(request.image()).isEqualTo(image);
            assertThat(response).as("the device waits for the model").isNotDone();

            worker.reply(envelope, MessageTypes.VISION_ANSWER, "A cup of tea.");
            JsonNode answer = answer(response);
            assertThat(answer.path("success").asBoolean()).isTrue();
            assertThat(answer.path("action").asText()).isEqualTo("RESPONSE");
            assertThat(answer.path("response").asText()).isEqualTo("A cup of tea.");
        }
        assertThat(meters.get("xiaozhi.gateway.vision.outcomes").tag("outcome", "answered").counter().count()).isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.vision.pending").gauge().value()).isZero();
    }

    @Test
    void withoutAnAnswerTheDeviceIsToldAfterTheStageTimeout(KafkaTestBroker kafka) throws Exception {
        start(kafka, Map.of("XIAOZHI_AI_PROVIDERS_VLLM_TIMEOUT", "1"));
        String deviceId = device();
        long started = System.nanoTime();
        JsonNode answer = answer(upload(gateway.server().port(), deviceId, gateway.visionTokens().issue(deviceId),
                form("What is this?", jpeg(2048))));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(answer.path("success").asBoolean(true)).isFalse();
        assertThat(answer.path("message").asText()).contains("did not answer within 1 s");
        assertThat(elapsedMs).isBetween(900L, 10_000L);
        assertThat(meters.get("xiaozhi.gateway.vision.outcomes").tag("outcome", "timeout").counter().count()).isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.vision.pending").gauge().value()).as("cleaned up").isZero();
    }

    @Test
    void aWorkerErrorBecomesAFailureForTheDevice(KafkaTestBroker kafka) throws Exception {
        start(kafka, Map.of());
        String deviceId = device();
        try (Worker worker = new Worker()) {
            CompletableFuture<HttpResponse<String>> response = upload(gateway.server().port(), deviceId,
                    gateway.visionTokens().issue(deviceId), form("Who is this?", jpeg(1024)));
            Envelope envelope = Envelope.readFrom(worker.next(deviceId).headers());
            worker.reply(envelope, MessageTypes.TURN_FAILED, "vllm: provider returned HTTP 500");

            JsonNode answer = answer(response);
            assertThat(answer.path("success").asBoolean(true)).isFalse();
            assertThat(answer.path("message").asText()).isEqualTo("the vision model failed: vllm: provider returned HTTP 500");
        }
        assertThat(meters.get("xiaozhi.gateway.vision.outcomes").tag("outcome", "error").counter().count()).isEqualTo(1);
    }

    @Test
    void everyRefusalIsA200WithItsReasonAndIsCounted(KafkaTestBroker kafka) throws Exception {
        start(kafka, Map.of());
        String deviceId = device();
        String token = gateway.visionTokens().issue(deviceId);
        VisionTokens twoHoursAgo = VisionTokens.forAuth(settings.config().server().auth(),
                Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC));
        int port = gateway.server().port();

        assertRefused(() -> upload(port, deviceId, null, form("q", jpeg(100))), "missing_token", "a token is required");
        assertRefused(() -> upload(port, deviceId, twoHoursAgo.issue(deviceId), form("q", jpeg(100))), "expired_token", "the token has expired");
        assertRefused(() -> upload(port, deviceId, gateway.visionTokens().issue("11:22:33:44:55:66"), form("q", jpeg(100))),
                "device_mismatch", "the token was issued to another device");
        assertRefused(() -> upload(port, deviceId, token + "x", form("q", jpeg(100))), "bad_signature", "signature is not valid");
        assertRefused(() -> upload(port, deviceId, token, form("q", jpeg(VisionRequest.MAX_IMAGE_BYTES + 1))),
                "image_too_large", "the image is larger than 5 MB");
        assertRefused(() -> upload(port, deviceId, token, form("q", jpeg(VisionRequest.MAX_IMAGE_BYTES + 2 * UploadReader.FORM_OVERHEAD_BYTES))),
                "image_too_large", "the image is larger than 5 MB");
        assertRefused(() -> upload(port, deviceId, token, form("q", "<html>not a photo</html>".getBytes(StandardCharsets.UTF_8))),
                "not_an_image", "is not a JPEG, PNG, GIF, BMP, TIFF or WEBP image");
        assertRefused(() -> upload(port, deviceId, token, form(null, jpeg(100))), "missing_question", "the question is missing");
        assertRefused(() -> upload(port, deviceId, token, form("   ", jpeg(100))), "missing_question", "the question is missing");
        assertRefused(() -> upload(port, deviceId, token, form("a".repeat(VisionRequest.MAX_QUESTION_CHARS + 1), jpeg(100))),
                "question_too_long", "longer than 2000 characters");
        assertRefused(() -> upload(port, deviceId, token, form("q", null)), "missing_image", "the image (part 'file') is missing");
        assertRefused(() -> upload(port, "", token, form("q", jpeg(100))), "missing_device_id", "Device-Id is missing");

        assertThat(refused("image_too_large")).isEqualTo(2);
        assertThat(refused("missing_question")).isEqualTo(2);
        assertThat(meters.get("xiaozhi.gateway.vision.pending").gauge().value()).as("nothing reached the pipeline").isZero();
    }

    @Test
    void aQuestionOfExactlyTheLimitInCharactersIsTaken(KafkaTestBroker kafka) throws Exception {
        start(kafka, Map.of());
        String deviceId = device();
        String question = "问".repeat(VisionRequest.MAX_QUESTION_CHARS);
        try (Worker worker = new Worker()) {
            CompletableFuture<HttpResponse<String>> response = upload(gateway.server().port(), deviceId,
                    gateway.visionTokens().issue(deviceId), form(question, jpeg(512)));
            ConsumerRecord<String, byte[]> record = worker.next(deviceId);
            assertThat(VisionRequest.decode(record.value()).question()).isEqualTo(question);
            worker.reply(Envelope.readFrom(record.headers()), MessageTypes.VISION_ANSWER, "好");
            assertThat(answer(response).path("response").asText()).isEqualTo("好");
        }
    }

    private void assertRefused(Supplier<CompletableFuture<HttpResponse<String>>> upload, String reason, String message) throws Exception {
        double before = refused(reason);
        JsonNode answer = answer(upload.get());
        assertThat(answer.path("success").asBoolean(true)).as(reason).isFalse();
        assertThat(answer.path("message").asText()).as(reason).contains(message);
        assertThat(refused(reason)).as("refusals counted as " + reason).isEqualTo(before + 1);
    }
}
