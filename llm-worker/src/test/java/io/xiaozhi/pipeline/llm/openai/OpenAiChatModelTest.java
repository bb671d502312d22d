package io.xiaozhi.pipeline.llm.openai;

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
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.FailureClassifier;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.conversation.ConversationHistory;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.model.ChatRequest;
import io.xiaozhi.pipeline.llm.testing.FakeOpenAi;
import io.xiaozhi.pipeline.llm.testing.Fixture;
import io.xiaozhi.pipeline.llm.testing.RecordingContext;
import io.xiaozhi.pipeline.llm.testing.Requests;
import io.xiaozhi.pipeline.llm.testing.TestStore;
import io.xiaozhi.pipeline.llm.testing.Sentence;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible model against a local fake of the API, through the stage handler. */
class OpenAiChatModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase database;
    private static HikariDataSource dataSource;

    private FakeOpenAi api;
    private TestStore testStore;
    private KeyValueStore store;
    private SimpleMeterRegistry meters;
    private LlmWorker worker;
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
        meters = new SimpleMeterRegistry();
        worker = worker(store, meters);
        envelope = Requests.envelope("s-" + UUID.randomUUID(), "aa:bb:cc:" + UUID.randomUUID().toString().substring(0, 8), "t-" + UUID.randomUUID(),
                Fixture.DOWNLINK);
    }

    private LlmWorker worker(KeyValueStore kv, SimpleMeterRegistry registry) {
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, api.baseUrl(), "sk-test-key",
                "test-model", "", Map.of("X-Test", "yes"));
        OpenAiChatModel model = new OpenAiChatModel(new OpenAiEndpoint("llm", provider, OpenAiEndpoint.defaultClient(),
                new ProviderMetrics(registry)));
        return new LlmWorker(model, kv, () -> dataSource, Fixture.settings(), registry, Clock.systemUTC(), Fixture.TTS_TOPIC);
    }

    @AfterEach
    void tearDown() {
        worker.close();
        api.close();
        testStore.close();
    }

    private CompletableFuture<Void> handle(LlmWorker target, ProducerRecord<String, byte[]> record, RecordingContext context) throws Exception {
        return target.handler().handle(Requests.asRequest(record), context).toCompletableFuture();
    }

    private RecordingContext say(String text) throws Exception {
        RecordingContext context = new RecordingContext(envelope);
        handle(worker, Requests.userText("llm", envelope, text, 1234L, null, null), context).get(10, TimeUnit.SECONDS);
        return context;
    }

    /** The failure an attempt ends with. */
    private StageException failure(ProducerRecord<String, byte[]> record, RecordingContext context) throws Exception {
        CompletableFuture<Void> outcome = handle(worker, record, context);
        try {
            outcome.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = FailureClassifier.unwrap(e);
            assertThat(cause).isInstanceOf(StageException.class);
            return (StageException) cause;
        }
        throw new AssertionError("the attempt succeeded");
    }

    private double providerFailures(String reason) {
        return new ProviderMetrics(meters).count("llm", reason);
    }

    @Test
    void aStreamedReplyBecomesNumberedSentencesWithTheEmotionAndTheRequestCarriesPromptHistoryAndHeaders() throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO agents (id, name, system_prompt) VALUES ('agent-" + envelope.turnId() + "', 'Tutor', "
                    + "'You are a patient maths tutor.')");
            statement.execute("INSERT INTO devices (id, agent_id) VALUES ('" + envelope.deviceId() + "', 'agent-" + envelope.turnId() + "')");
        }
        store.listAppend(ConversationHistory.key(envelope.deviceId()),
                "{\"turn\":\"earlier\",\"user\":\"What is two plus two?\",\"assistant\":\"Four.\"}", 10, Duration.ofHours(1));
        api.then(stream(text("😊 Hello"), text(" there, my friend! "), text("How are"),
                "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"thinking about it\"}}]}",
                text(" you today? I am fine."), finish("stop")));

        RecordingContext context = say("Hello!");

        List<Sentence> sentences = context.sentences(Fixture.TTS_TOPIC);
        assertThat(sentences).extracting(Sentence::seq, Sentence::text, Sentence::last).containsExactly(
                tuple(0L, "Hello there, my friend!", false),
                tuple(1L, "How are you today?", false),
                tuple(2L, "I am fine.", true));
        assertThat(sentences).extracting(Sentence::key).containsExactly(envelope.turnId() + ":0", envelope.turnId() + ":1",
                envelope.turnId() + ":2");
        assertThat(sentences).allSatisfy(s -> {
            assertThat(s.endOfSpeech()).isEqualTo(1234L);
            assertThat(s.turn()).isEqualTo(envelope.turnId());
        });
        List<ProducerRecord<String, byte[]>> emotions = context.replyRecords(MessageTypes.EMOTION);
        assertThat(emotions).hasSize(1);
        assertThat(new String(emotions.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("😊");
        assertThat(HeaderValues.text(emotions.get(0).headers(), EnvelopeHeaders.EMOTION)).hasValue("happy");

        assertThat(api.received()).hasSize(1);
        FakeOpenAi.Received request = api.received().get(0);
        assertThat(request.header("Authorization")).isEqualTo("Bearer sk-test-key");
        assertThat(request.header("X-Test")).isEqualTo("yes");
        JsonNode body = request.body();
        assertThat(body.path("model").asText()).isEqualTo("test-model");
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("messages")).extracting(m -> m.path("role").asText() + ": " + m.path("content").asText())
                .containsExactly("system: You are a patient maths tutor.", "user: What is two plus two?", "assistant: Four.", "user: Hello!");
        assertThat(body.path("tools")).extracting(t -> t.path("function").path("name").asText())
                .containsExactly("get_time", "end_conversation");
        assertThat(body.path("tools").get(0).path("type").asText()).isEqualTo("function");
    }

    @Test
    void aToolCallSplitAcrossChunksGoesToTheDeviceAndItsAnswerContinuesTheTurn() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool());
        api.then(stream(text("OK, setting it now."),
                        toolPiece(0, "call_abc", "self_audio_speaker_set_volume", ""),
                        toolPiece(0, null, null, "{\"vol"),
                        toolPiece(0, null, null, "ume\": 5"),
                        toolPiece(0, null, null, "0}"),
                        finish("tool_calls")))
                .then(stream(text("The volume is now 50."), finish("stop")));

        RecordingContext first = say("set the volume to 50");
        assertThat(first.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::seq, Sentence::text, Sentence::last)
                .containsExactly(tuple(0L, "OK, setting it now.", false));
        List<String> calls = first.replies(MessageTypes.TOOL_CALL);
        assertThat(calls).hasSize(1);
        JsonNode call = JSON.readTree(calls.get(0));
        assertThat(call.path("name").asText()).isEqualTo("self.audio_speaker.set_volume");
        assertThat(call.path("arguments")).isEqualTo(JSON.readTree("{\"volume\":50}"));
        assertThat(api.received().get(0).body().path("tools")).extracting(t -> t.path("function").path("name").asText())
                .contains("self_audio_speaker_set_volume");

        // the gateway answers with mcp.result; a new record, taken up by whichever worker gets it
        RecordingContext second = new RecordingContext(envelope);
        handle(worker, Requests.toolResult("llm", envelope, call.path("call_id").asText(), "self.audio_speaker.set_volume", "true", false),
                second).get(10, TimeUnit.SECONDS);

        assertThat(api.received()).hasSize(2);
        JsonNode messages = api.received().get(1).body().path("messages");
        JsonNode assistant = messages.get(messages.size() - 2);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        assertThat(assistant.path("content").asText()).isEqualTo("OK, setting it now.");
        JsonNode toolCall = assistant.path("tool_calls").get(0);
        assertThat(toolCall.path("id").asText()).isEqualTo("call_abc");
        assertThat(toolCall.path("type").asText()).isEqualTo("function");
        assertThat(toolCall.path("function").path("name").asText()).isEqualTo("self_audio_speaker_set_volume");
        assertThat(JSON.readTree(toolCall.path("function").path("arguments").asText())).isEqualTo(JSON.readTree("{\"volume\":50}"));
        JsonNode tool = messages.get(messages.size() - 1);
        assertThat(tool.path("role").asText()).isEqualTo("tool");
        assertThat(tool.path("tool_call_id").asText()).isEqualTo("call_abc");
        assertThat(tool.path("content").asText()).isEqualTo("true");
        assertThat(second.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::seq, Sentence::text, Sentence::last)
                .containsExactly(tuple(1L, "The volume is now 50.", true));
    }

    @Test
    void aRequestWithoutToolsLeavesThemOut() throws Exception {
        ServiceConfig.Provider provider = new ServiceConfig.Provider(ServiceConfig.ProviderType.OPENAI, api.baseUrl(), "", "m", "", Map.of());
        try (OpenAiChatModel model = new OpenAiChatModel(new OpenAiEndpoint("llm", provider, OpenAiEndpoint.defaultClient(),
                new ProviderMetrics(meters)))) {
            JsonNode body = JSON.readTree(model.body(new ChatRequest(
                    List.of(ChatMessage.user("hi")), List.of())));
            assertThat(body.has("tools")).isFalse();
            assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo("hi");
        }
    }

    @Test
    void aChunkThatIsNotJsonFailsTheTurnWithoutRetry() throws Exception {
        api.then(stream(text("Hi"), "{\"choices\": [oops"));
        StageException failure = failure(Requests.userText("llm", envelope, "hello", 1L, null, null), new RecordingContext(envelope));
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getMessage()).contains("malformed response").contains("stream event 2 is not JSON");
        assertThat(providerFailures("malformed")).isEqualTo(1);
    }

    @Test
    void aTruncatedStreamFailsTheTurnWithoutRetry() throws Exception {
        api.then(stream(false, text("Hello there. "), text("And then")));
        RecordingContext context = new RecordingContext(envelope);
        StageException failure = failure(Requests.userText("llm", envelope, "hello", 1L, null, null), context);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getMessage()).contains("without [DONE] or a finish_reason (truncated)");
        assertThat(context.sentences(Fixture.TTS_TOPIC)).as("a sentence cut mid-stream goes out at once; the unfinished rest does not")
                .extracting(Sentence::text, Sentence::last).containsExactly(org.assertj.core.groups.Tuple.tuple("Hello there.", false));
    }

    @Test
    void toolArgumentsThatAreNotJsonFailTheTurn() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool());
        api.then(stream(toolPiece(0, "call_1", "self_audio_speaker_set_volume", "{\"volume\": 5"), finish("tool_calls")));
        RecordingContext context = new RecordingContext(envelope);
        StageException failure = failure(Requests.userText("llm", envelope, "louder", 1L, null, null), context);
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getMessage()).contains("arguments of tool call self_audio_speaker_set_volume are not JSON");
        assertThat(context.replies(MessageTypes.TOOL_CALL)).isEmpty();
    }

    @Test
    void anErrorInTheStreamOrAJsonAnswerInsteadOfAStreamIsReported() throws Exception {
        api.then(stream(text("Hel"), "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"))
                .then(FakeOpenAi.status(200, "{\"choices\":[{\"message\":{\"content\":\"Hello\"}}]}"));
        StageException inStream = failure(Requests.userText("llm", envelope, "hello", 1L, null, null), new RecordingContext(envelope));
        assertThat(inStream.getMessage()).contains("reported an error in the stream: overloaded");
        assertThat(providerFailures("stream_error")).isEqualTo(1);
        StageException notStream = failure(Requests.userText("llm", envelope, "hello", 1L, null, null), new RecordingContext(envelope));
        assertThat(notStream.getMessage()).contains("expected an event stream, got application/json");
    }

    @Test
    void aStreamThatStallsFailsBeforeTheAttemptsTimeRunsOut() throws Exception {
        api.then(FakeOpenAi.stalling(text("Hmm")));
        RecordingContext context = new RecordingContext(envelope, Duration.ofMillis(1500));
        long start = System.nanoTime();
        StageException failure = failure(Requests.userText("llm", envelope, "hello", 1L, null, null), context);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(failure.retryable()).as("nothing was spoken yet: another attempt may do better").isTrue();
        assertThat(failure.getMessage()).contains("did not finish within");
        assertThat(took).isLessThan(1500);
        assertThat(providerFailures("timeout")).isEqualTo(1);
    }

    @Test
    void aFailureAfterASentenceWasSentIsNotRetried() throws Exception {
        api.then(FakeOpenAi.stalling(text("First sentence here. Second sentence here. Third")));
        RecordingContext context = new RecordingContext(envelope, Duration.ofMillis(1500));
        StageException failure = failure(Requests.userText("llm", envelope, "hello", 1L, null, null), context);
        assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::text)
                .containsExactly("First sentence here.", "Second sentence here.");
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getMessage()).contains("not retried: 2 sentence(s)");
    }

    @Test
    void aCancelledTurnStopsTheStream() throws Exception {
        api.then(FakeOpenAi.stalling(text("Hmm, let me think")));
        RecordingContext context = new RecordingContext(envelope);
        CompletableFuture<Void> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                return handle(worker, Requests.userText("llm", envelope, "hello", 1L, null, null), context);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }).thenCompose(f -> f);
        long until = System.currentTimeMillis() + 5000;
        while (api.received().isEmpty() && System.currentTimeMillis() < until) {
            Thread.sleep(10);
        }
        context.cancel();
        assertThat(outcome).failsWithin(Duration.ofSeconds(5));
        assertThat(context.sentences(Fixture.TTS_TOPIC)).isEmpty();
    }
}
