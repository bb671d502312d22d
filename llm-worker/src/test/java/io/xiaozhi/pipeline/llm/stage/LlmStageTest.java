package io.xiaozhi.pipeline.llm.stage;

import static io.xiaozhi.pipeline.llm.testing.FakeOpenAi.finish;
import static io.xiaozhi.pipeline.llm.testing.FakeOpenAi.stream;
import static io.xiaozhi.pipeline.llm.testing.FakeOpenAi.text;
import static io.xiaozhi.pipeline.llm.testing.FakeOpenAi.toolPiece;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageMetrics;
import io.xiaozhi.pipeline.common.runtime.StageRuntime;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.testing.FakeOpenAi;
import io.xiaozhi.pipeline.llm.testing.Fixture;
import io.xiaozhi.pipeline.llm.testing.Requests;
import io.xiaozhi.pipeline.llm.testing.TestStore;
import io.xiaozhi.pipeline.llm.testing.Sentence;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The LLM stage on a real broker and the real stage runtime: retries, dead letters, timeouts, and a turn that moves between workers. */
@ExtendWith(KafkaBrokerExtension.class)
class LlmStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase database;
    private static HikariDataSource dataSource;

    private FakeOpenAi api;
    private TestStore testStore;
    private KeyValueStore store;
    private Envelope envelope;

    @BeforeAll
    static void openDatabase() {
        database = TestDatabases.create();
        dataSource = database.openMigrated("llm-test");
    }

    @AfterAll
    static void closeDatabase() {
        dataSource.close();
        database.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        api = new FakeOpenAi();
        testStore = new TestStore();
        store = testStore.store();
    }

    @AfterEach
    void tearDown() {
        api.close();
        testStore.close();
    }

    private Envelope envelope(LlmStage stage) {
        return Requests.envelope("s-" + UUID.randomUUID(), "aa:bb:cc:dd:ee:03", "t-" + UUID.randomUUID(), stage.downlink);
    }

    private static String type(ConsumerRecord<String, byte[]> record) {
        return HeaderValues.text(record.headers(), EnvelopeHeaders.TYPE).orElse("");
    }

    private static double count(SimpleMeterRegistry meters, String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aRateLimitedCallIsRetriedAndTheReplyArrivesOnce(KafkaTestBroker broker) throws Exception {
        try (LlmStage stage = new LlmStage(broker)) {
            api.then(FakeOpenAi.status(429, "{\"error\":{\"message\":\"slow down\"}}"))
                    .then(stream(text("First things first. "), text("Then the rest."), finish("stop")));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            stage.start(stage.worker(api.baseUrl(), store, dataSource, meters), meters, 10);
            envelope = envelope(stage);
            stage.publish(Requests.userText(stage.requests, envelope, "go on", System.currentTimeMillis(), null, null));

            List<Sentence> sentences = stage.read(stage.tts, 2).stream().map(Sentence::of).toList();
            assertThat(sentences).extracting(Sentence::seq, Sentence::text, Sentence::last)
                    .containsExactlyInAnyOrder(tuple(0L, "First things first.", false), tuple(1L, "Then the rest.", true));
            assertThat(api.received()).hasSize(2);
            assertThat(new ProviderMetrics(meters).count("llm", "http_429")).isEqualTo(1);
            assertThat(count(meters, StageMetrics.RETRIES)).isEqualTo(1);
        }
    }

    @Test
    void serverErrorsThatOutlastTheRetriesEndInTheDeadLetterTopicAndAnApology(KafkaTestBroker broker) throws Exception {
        try (LlmStage stage = new LlmStage(broker)) {
            for (int i = 0; i < 3; i++) {
                api.then(FakeOpenAi.status(500, "{\"error\":{\"message\":\"internal\"}}"));
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            stage.start(stage.worker(api.baseUrl(), store, dataSource, meters), meters, 10);
            envelope = envelope(stage);
            stage.publish(Requests.userText(stage.requests, envelope, "hello", System.currentTimeMillis(), null, null));

            List<ConsumerRecord<String, byte[]>> letters = stage.read(stage.deadLetters, 1);
            assertThat(letters).hasSize(1);
            assertThat(HeaderValues.number(letters.get(0).headers(), EnvelopeHeaders.ATTEMPTS)).hasValue(3);
            assertThat(HeaderValues.text(letters.get(0).headers(), EnvelopeHeaders.ERROR)).hasValueSatisfying(e -> assertThat(e).contains("HTTP 500"));
            List<ConsumerRecord<String, byte[]>> errors = stage.read(stage.downlink, 1, r -> type(r).equals(MessageTypes.TURN_FAILED));
            assertThat(errors).hasSize(1);
            assertThat(HeaderValues.text(errors.get(0).headers(), EnvelopeHeaders.TURN)).hasValue(envelope.turnId());
            assertThat(api.received()).hasSize(3);
            assertThat(stage.read(stage.tts, 0)).isEmpty();
        }
    }

    @Test
    void aStreamThatStallsAfterASentenceFailsOnceWithoutRetry(KafkaTestBroker broker) throws Exception {
        try (LlmStage stage = new LlmStage(broker)) {
            api.then(FakeOpenAi.stalling(text("First sentence here. Second sentence here. Third")));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            stage.start(stage.worker(api.baseUrl(), store, dataSource, meters), meters, 2);
            envelope = envelope(stage);
            stage.publish(Requests.userText(stage.requests, envelope, "tell me", System.currentTimeMillis(), null, null));

            List<ConsumerRecord<String, byte[]>> letters = stage.read(stage.deadLetters, 1);
            assertThat(letters).hasSize(1);
            assertThat(HeaderValues.number(letters.get(0).headers(), EnvelopeHeaders.ATTEMPTS)).hasValue(1);
            assertThat(HeaderValues.text(letters.get(0).headers(), EnvelopeHeaders.ERROR))
                    .hasValueSatisfying(e -> assertThat(e).contains("did not finish within").contains("not retried"));
            assertThat(stage.read(stage.downlink, 1, r -> type(r).equals(MessageTypes.TURN_FAILED))).hasSize(1);
            assertThat(stage.read(stage.tts, 2)).extracting(r -> Sentence.of(r).text())
                    .containsExactlyInAnyOrder("First sentence here.", "Second sentence here.");
            assertThat(api.received()).hasSize(1);
            assertThat(new ProviderMetrics(meters).count("llm", "timeout")).isEqualTo(1);
        }
    }

    @Test
    void aDeviceAnswerIsTakenUpByAnotherWorkerAfterTheFirstStopped(KafkaTestBroker broker) throws Exception {
        try (LlmStage stage = new LlmStage(broker)) {
            envelope = envelope(stage);
            Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool());
            api.then(stream(text("😊 Turning it down."), toolPiece(0, "call_1", "self_audio_speaker_set_volume", "{\"volume\""),
                            toolPiece(0, null, null, ":20}"), finish("tool_calls")))
                    .then(stream(text("Done, it's at 20 now."), finish("stop")));
            SimpleMeterRegistry metersA = new SimpleMeterRegistry();
            LlmWorker workerA = stage.worker(api.baseUrl(), store, dataSource, metersA);
            StageRuntime runtimeA = stage.start(workerA, metersA, 10);
            stage.publish(Requests.userText(stage.requests, envelope, "quieter please", System.currentTimeMillis(), null, null));

            List<ConsumerRecord<String, byte[]>> calls = stage.read(stage.downlink, 1, r -> type(r).equals(MessageTypes.TOOL_CALL));
            assertThat(calls).hasSize(1);
            JsonNode call = JSON.readTree(new String(calls.get(0).value(), StandardCharsets.UTF_8));
            assertThat(call.path("name").asText()).isEqualTo("self.audio_speaker.set_volume");
            runtimeA.close();

            SimpleMeterRegistry metersB = new SimpleMeterRegistry();
            LlmWorker workerB = stage.worker(api.baseUrl(), store, dataSource, metersB);
            stage.start(workerB, metersB, 10);
            stage.publish(Requests.toolResult(stage.requests, envelope, call.path("call_id").asText(), "self.audio_speaker.set_volume",
                    "true", false));

            List<Sentence> sentences = stage.read(stage.tts, 2).stream().map(Sentence::of).toList();
            assertThat(sentences).extracting(Sentence::seq, Sentence::text, Sentence::last).containsExactlyInAnyOrder(
                    tuple(0L, "Turning it down.", false), tuple(1L, "Done, it's at 20 now.", true));
            assertThat(workerB.metrics().count("xiaozhi.llm.continuations", "outcome", "resumed")).isEqualTo(1);
            assertThat(workerA.metrics().count("xiaozhi.llm.continuations", "outcome", "resumed")).isZero();
            assertThat(stage.read(stage.downlink, 1, r -> type(r).equals(MessageTypes.EMOTION))).hasSize(1);
        }
    }
}
