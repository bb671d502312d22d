package io.xiaozhi.pipeline.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as a process runs it ({@link WorkerLauncher#start}: topics provisioned, the worker built
 * by {@link VllmWorker#create}, the stage runtime on {@code xiaozhi.vllm.requests} with the settings'
 * limits), fed photos published the way the gateway's {@code VisionRequests} publishes them, and
 * read back from a gateway downlink topic the way the gateway reads its answers: by correlation id.
 */
@ExtendWith(KafkaBrokerExtension.class)
class VisionRoundTripTest {

    private static final String DEVICE = "11:22:33:44:55:66";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @Test
    void photosPublishedAsTheGatewayDoesAreAnsweredOnItsDownlinkTopic(KafkaTestBroker kafka) throws Exception {
        try (FakeOpenAi model = new FakeOpenAi().always(FakeOpenAi.completion("\"A red square on a white ground.\""))) {
            Files.writeString(dataDir.resolve(".config.yaml"), String.join("\n",
                    "kafka:",
                    "  partitions: {requests: 2, downlink: 1, control: 1, metrics: 1, alerts: 1, lag: 1, dlq: 1}",
                    "providers:",
                    "  vllm: {type: openai, base_url: \"" + model.baseUrl() + "\", api_key: sk-round-trip, model: vision-test}",
                    ""));
            Settings settings = ConfigLoader.load(dataDir, Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
            KafkaClients clients = new KafkaClients(settings.config().kafka(), "gateway");
            String downlink = Topics.downlink("vision-round-trip-" + UUID.randomUUID().toString().substring(0, 8));
            try (Admin admin = clients.admin()) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(List.of(new Topics(settings.config().kafka()).downlinkTopic(
                        downlink.substring(Topics.DOWNLINK_PREFIX.length()))));
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            ServiceContext context = ServiceContext.shared(WorkerLauncher.serviceName(Stage.VLLM), settings, meters, Clock.systemUTC(), null, null);
            Duration timeout = settings.performance().aiProviders().vllm().timeoutDuration();

            byte[] png = TestImages.png();
            // larger than Kafka's default 1 MiB record: trailing bytes after a JPEG's end are ignored by decoders
            byte[] bigJpeg = Arrays.copyOf(TestImages.jpeg(), 3 * 1024 * 1024);
            try (context;
                 WorkerLauncher.RunningWorker worker = WorkerLauncher.start(Stage.VLLM, context, VllmWorker::create);
                 Producer<String, byte[]> producer = new KafkaProducer<>(gatewayProducerConfig(clients))) {
                assertThat(worker.worker()).isInstanceOf(VllmWorker.class);
                String small = publish(producer, downlink, timeout, "What is in the photo?", "image/png", png);
                String big = publish(producer, downlink, timeout, "And in this one?", "image/jpeg", bigJpeg);
                String text = publish(producer, downlink, timeout, "What is this?", "image/png",
                        "a PNG that is really text".getBytes(StandardCharsets.UTF_8));

                Map<String, ConsumerRecord<String, byte[]>> answers = readByTurn(clients, downlink, List.of(small, big, text));
                assertThat(VisionStage.typeOf(answers.get(small))).isEqualTo(MessageTypes.VISION_ANSWER);
                assertThat(VisionStage.text(answers.get(small))).isEqualTo("A red square on a white ground.");
                assertThat(VisionStage.typeOf(answers.get(big))).isEqualTo(MessageTypes.VISION_ANSWER);
                assertThat(VisionStage.typeOf(answers.get(text))).isEqualTo(MessageTypes.TURN_FAILED);
                assertThat(VisionStage.text(answers.get(text))).startsWith("vllm: RejectedRequest: the image declared as image/png is not an image");

                assertThat(model.received()).hasSize(2);
                Map<String, String> urls = new HashMap<>();
                for (FakeOpenAi.Received request : model.received()) {
                    assertThat(request.header("Authorization")).isEqualTo("Bearer sk-round-trip");
                    JsonNode content = JSON.readTree(request.body()).path("messages").get(0).path("content");
                    urls.put(content.get(0).path("text").asText(), content.get(1).path("image_url").path("url").asText());
                }
                assertThat(urls).containsEntry("What is in the photo?", "data:image/png;base64," + Base64.getEncoder().encodeToString(png))
                        .containsEntry("And in this one?", "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(bigJpeg));
                assertThat(meters.find(VisionMetrics.REQUESTS).counter().count()).isEqualTo(3);
                assertThat(meters.find(VisionMetrics.REJECTED).tag("reason", "not_an_image").counter().count()).isEqualTo(1);
            }
        }
    }

    /** The gateway's producer settings for photos ({@code VisionWiring.producerConfig}): room for a photo in one record. */
    private static Map<String, Object> gatewayProducerConfig(KafkaClients clients) {
        Map<String, Object> config = clients.producerConfig(KafkaClients.ProducerProfile.VOICE);
        config.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, VisionRequest.MAX_RECORD_BYTES);
        return config;
    }

    /**
     * What {@code VisionRequests.submit} publishes: keyed by device id, a new correlation id as session
     * and turn, deadline = now + the vllm timeout, the gateway's downlink topic to reply to.
     */
    private static String publish(Producer<String, byte[]> producer, String replyTo, Duration timeout, String question, String mimeType,
                                  byte[] image) throws Exception {
        String id = UUID.randomUUID().toString();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.requests(Stage.VLLM), DEVICE,
                new VisionRequest(question, mimeType, image).encode());
        new Envelope(id, DEVICE, id, System.currentTimeMillis() + timeout.toMillis(), replyTo).writeTo(record.headers());
        producer.send(record).get(30, TimeUnit.SECONDS);
        return id;
    }

    /** The first downlink record of each turn, read the way the gateway reads its downlink: whole, without a group. */
    private static Map<String, ConsumerRecord<String, byte[]>> readByTurn(KafkaClients clients, String topic, List<String> turns) {
        Map<String, ConsumerRecord<String, byte[]>> first = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("downlink"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!first.keySet().containsAll(turns) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    first.putIfAbsent(VisionStage.turnOf(record), record);
                }
            }
        }
        assertThat(first.keySet()).as("turns answered on the downlink").containsAll(turns);
        return first;
    }
}
