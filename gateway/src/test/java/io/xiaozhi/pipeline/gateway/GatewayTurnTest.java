package io.xiaozhi.pipeline.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import io.xiaozhi.pipeline.gateway.audio.TestAudio;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.InMemoryDeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A device says hello, speaks (real speech, real Opus, Silero VAD), and hears the reply: the test plays
 * the workers' part on Kafka, reading the utterance the gateway published and answering on its
 * downlink topic.
 */
@ExtendWith(KafkaBrokerExtension.class)
class GatewayTurnTest {

    private final ObjectMapper json = new ObjectMapper();
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** A device: what it received, in order, with arrival times. */
    static final class Device implements WebSocket.Listener {
        record Received(long atNanos, String text, byte[] binary) {
        }

        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(new Received(System.nanoTime(), partial.toString(), null));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            received.add(new Received(System.nanoTime(), null, bytes));
            webSocket.request(1);
            return null;
        }

        Received next() throws InterruptedException {
            Received r = received.poll(30, TimeUnit.SECONDS);
            assertThat(r).as("a message from the gateway").isNotNull();
            return r;
        }
    }

    private static String gatewayId() {
        return "gw-test-" + System.nanoTime();
    }

    @Test
    void aDeviceSaysHelloSpeaksAndHearsAPacedReply(KafkaTestBroker kafka) throws Exception {
        String id = gatewayId();
        Settings settings = ConfigLoader.load(Path.of("target", "no-data-dir"), Map.of(
                "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "XIAOZHI_SERVER_GATEWAY_ID", id));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DeviceTokens tokens = new DeviceTokens(settings.config().server().auth(), Clock.systemUTC());
        InMemoryDeviceRegistry devices = new InMemoryDeviceRegistry();
        OtaResponder ota = new OtaResponder(settings.config().server(), tokens, devices, Clock.systemUTC(), meters);
        gateway = Gateway.start(settings, tokens, ota, new AdminBinding("", devices), meters, 0, 0);

        Device device = new Device();
        device.socket = HttpClient.newHttpClient().newWebSocketBuilder().header("Device-Id", "aa:bb:cc:dd:ee:ff")
                .header("Client-Id", "c-1").header("Protocol-Version", "1")
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.server().port() + "/xiaozhi/v1/"), device).get(10, TimeUnit.SECONDS);
        device.socket.sendText("{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\","
                + "\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}", true).get();
        JsonNode hello = json.readTree(device.next().text());
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        assertThat(hello.path("transport").asText()).isEqualTo("websocket");
        assertThat(hello.path("audio_params").path("sample_rate").asInt()).isEqualTo(24000);
        String sessionId = hello.path("session_id").asText();
        assertThat(sessionId).isNotEmpty();

        // speak: JFK's 11 s, then 1.5 s of silence so the VAD ends the utterance
        device.socket.sendText("{\"session_id\":\"" + sessionId + "\",\"type\":\"listen\",\"state\":\"start\",\"mode\":\"auto\"}", true).get();
        List<byte[]> uplink = new OpusEncoding(16_000).encode(TestAudio.concat(TestAudio.jfk(), TestAudio.silence(1500)));
        for (byte[] packet : uplink) {
            device.socket.sendBinary(ByteBuffer.wrap(packet), true).get();
        }

        // the workers' side: the utterance arrives on the ASR topic
        KafkaClients clients = new KafkaClients(settings.config().kafka(), "worker-test");
        ConsumerRecord<String, byte[]> utterance = readOne(clients, "xiaozhi.asr.requests", sessionId);
        Envelope envelope = Envelope.readFrom(utterance.headers());
        assertThat(envelope.replyTo()).isEqualTo("xiaozhi.downlink." + id);
        assertThat(envelope.deviceId()).isEqualTo("aa:bb:cc:dd:ee:ff");
        List<byte[]> sent = AudioFrames.decode(utterance.value());
        // "And so, my fellow Americans" (0.35–2.2 s), ended by the pause after it: 700 ms of silence
        assertThat(sent.size() * 60).as("the first sentence of speech and the silence that ended it, in ms")
                .isBetween(2500, 3600);

        List<byte[]> reply = new OpusEncoding(24_000).encode(TestAudio.silence(1200));
        try (KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.VOICE)) {
            producer.send(answer(envelope, MessageTypes.STT, "And so, my fellow Americans".getBytes(StandardCharsets.UTF_8)));
            producer.send(answer(envelope, MessageTypes.EMOTION, "😊".getBytes(StandardCharsets.UTF_8)));
            ProducerRecord<String, byte[]> sentence = answer(envelope, MessageTypes.SENTENCE, "Ask what you can do.".getBytes(StandardCharsets.UTF_8));
            HeaderValues.putLong(sentence.headers(), EnvelopeHeaders.SEQUENCE, 0);
            HeaderValues.putBoolean(sentence.headers(), EnvelopeHeaders.LAST, true);
            ProducerRecord<String, byte[]> audio = answer(envelope, MessageTypes.AUDIO, AudioFrames.encode(reply));
            HeaderValues.putLong(audio.headers(), EnvelopeHeaders.SEQUENCE, 0);
            HeaderValues.putLong(audio.headers(), EnvelopeHeaders.CHUNK, 0);
            HeaderValues.putBoolean(audio.headers(), EnvelopeHeaders.FINAL, true);
            producer.send(audio);
            producer.send(sentence);
            producer.flush();
        }

        assertThat(field(device.next(), "type")).isEqualTo("stt");
        Device.Received start = device.next();
        assertThat(field(start, "type") + "/" + field(start, "state")).isEqualTo("tts/start");
        Device.Received emotion = device.next();
        assertThat(field(emotion, "type")).isEqualTo("llm");
        assertThat(field(emotion, "emotion")).isEqualTo("happy");
        Device.Received sentenceStart = device.next();
        assertThat(field(sentenceStart, "state")).isEqualTo("sentence_start");
        assertThat(field(sentenceStart, "text")).isEqualTo("Ask what you can do.");
        List<Device.Received> frames = new ArrayList<>();
        Device.Received next;
        while ((next = device.next()).binary() != null) {
            frames.add(next);
        }
        assertThat(frames).hasSize(reply.size());
        assertThat(field(next, "state")).isEqualTo("stop");
        // paced: after the pre-buffer of 5, one frame every 60 ms
        double spanMs = (frames.get(frames.size() - 1).atNanos() - frames.get(4).atNanos()) / 1e6;
        assertThat(spanMs).isBetween((frames.size() - 5) * 60.0 - 60, (frames.size() - 5) * 60.0 + 120);
        assertThat((next.atNanos() - frames.get(frames.size() - 1).atNanos()) / 1e6).as("tts stop after the queue drains")
                .isGreaterThan(300);
    }

    private static String field(Device.Received received, String name) throws Exception {
        assertThat(received.text()).as("a text message").isNotNull();
        return new ObjectMapper().readTree(received.text()).path(name).asText();
    }

    private static ProducerRecord<String, byte[]> answer(Envelope envelope, String type, byte[] payload) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(), payload);
        envelope.writeTo(record.headers());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, type);
        return record;
    }

    private static ConsumerRecord<String, byte[]> readOne(KafkaClients clients, String topic, String sessionId) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (sessionId.equals(record.key())) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no utterance of session " + sessionId + " on " + topic);
    }
}
