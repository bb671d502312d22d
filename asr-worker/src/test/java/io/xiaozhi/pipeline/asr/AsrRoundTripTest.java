package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker as a process runs it ({@link WorkerLauncher#start}: pipeline topics provisioned, the
 * worker built by {@link AsrWorker#create}, the stage runtime on {@code xiaozhi.asr.requests}), fed
 * utterances on {@code xiaozhi.asr.requests} as the gateway publishes them, and read back from a
 * gateway downlink topic and from {@code xiaozhi.llm.requests} as the gateway and the llm-worker read
 * them.
 */
@ExtendWith(KafkaBrokerExtension.class)
class AsrRoundTripTest {

    private static final String DEVICE = "11:22:33:44:55:66";

    @TempDir
    Path dataDir;

    @Test
    void utterancesPublishedAsTheGatewayDoesReachItsDownlinkAndTheLanguageModel(KafkaTestBroker kafka) throws Exception {
        try (FakeTranscriptionServer server = new FakeTranscriptionServer().always(FakeTranscriptionServer.transcript("Good morning."))) {
            Files.writeString(dataDir.resolve(".config.yaml"), String.join("\n",
                    "kafka:",
                    "  partitions: {requests: 2, downlink: 1, control: 1, metrics: 1, alerts: 1, lag: 1, dlq: 1}",
                    "providers:",
                    "  asr: {type: openai, base_url: \"" + server.baseUrl() + "\", api_key: sk-round-trip, model: whisper-1}",
                    ""));
            Settings settings = ConfigLoader.load(dataDir, Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
            KafkaClients clients = new KafkaClients(settings.config().kafka(), "gateway");
            String gatewayId = "asr-round-trip-" + UUID.randomUUID().toString().substring(0, 8);
            String downlink = Topics.downlink(gatewayId);
            try (Admin admin = clients.admin()) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(List.of(new Topics(settings.config().kafka()).downlinkTopic(gatewayId)));
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            ServiceContext context = ServiceContext.shared(WorkerLauncher.serviceName(Stage.ASR), settings, meters, Clock.systemUTC(), null, null);
            try (context;
                 WorkerLauncher.RunningWorker worker = WorkerLauncher.start(Stage.ASR, context, AsrWorker::create);
                 Producer<String, byte[]> producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.VOICE))) {
                assertThat(worker.worker()).isInstanceOf(AsrWorker.class);
                String spoken = publish(producer, downlink, TestSpeech.payload("good morning"));
                String silent = publish(producer, downlink, AudioFrames.encode(List.of()));

                List<ConsumerRecord<String, byte[]>> answers = read(clients, downlink, 2, r -> true);
                assertThat(answers).filteredOn(r -> AsrStage.turnOf(r).equals(spoken)).singleElement().satisfies(stt -> {
                    assertThat(AsrStage.typeOf(stt)).isEqualTo(MessageTypes.STT);
                    assertThat(AsrStage.text(stt)).isEqualTo("Good morning.");
                });
                assertThat(answers).filteredOn(r -> AsrStage.turnOf(r).equals(silent)).singleElement()
                        .satisfies(end -> assertThat(AsrStage.typeOf(end)).isEqualTo(MessageTypes.TURN_END));

                List<ConsumerRecord<String, byte[]>> toLlm = read(clients, Topics.requests(Stage.LLM), 1,
                        r -> AsrStage.turnOf(r).equals(spoken));
                assertThat(toLlm).singleElement().satisfies(llm -> {
                    assertThat(llm.key()).isEqualTo("session-" + spoken);
                    assertThat(AsrStage.text(llm)).isEqualTo("Good morning.");
                    assertThat(Envelope.readFrom(llm.headers()).replyTo()).isEqualTo(downlink);
                    assertThat(HeaderValues.timings(llm.headers())).containsOnlyKeys("eos", "asr.start", "asr.end");
                });
                assertThat(server.received()).hasSize(1);
                assertThat(meters.find(AsrMetrics.EMPTY).tag("reason", "no_audio").counter().count()).isEqualTo(1);
            }
        }
    }

    /** What the gateway's {@code UtterancePublisher} publishes: keyed by session, deadline = end of speech + 30 s, {@code xz.t.eos}. */
    private static String publish(Producer<String, byte[]> producer, String replyTo, byte[] payload) throws Exception {
        String turn = UUID.randomUUID().toString();
        long endOfSpeech = System.currentTimeMillis();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.requests(Stage.ASR), "session-" + turn, payload);
        new Envelope("session-" + turn, DEVICE, turn, endOfSpeech + 30_000, replyTo).writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, endOfSpeech);
        producer.send(record).get(30, TimeUnit.SECONDS);
        return turn;
    }

    /** The records of {@code topic} that {@code wanted} accepts, read whole without a group until {@code count} (or 60 s). */
    private static List<ConsumerRecord<String, byte[]>> read(KafkaClients clients, String topic, int count,
                                                             Predicate<ConsumerRecord<String, byte[]>> wanted) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (wanted.test(r)) {
                        out.add(r);
                    }
                });
            }
            consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                if (wanted.test(r)) {
                    out.add(r);
                }
            });
        }
        return out;
    }
}
