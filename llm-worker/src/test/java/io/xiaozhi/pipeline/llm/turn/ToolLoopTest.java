package io.xiaozhi.pipeline.llm.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.model.ChatRequest;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import io.xiaozhi.pipeline.llm.model.ToolSpec;
import io.xiaozhi.pipeline.llm.testing.Fixture;
import io.xiaozhi.pipeline.llm.testing.RecordingContext;
import io.xiaozhi.pipeline.llm.testing.Requests;
import io.xiaozhi.pipeline.llm.testing.TestStore;
import io.xiaozhi.pipeline.llm.testing.ScriptedModel;
import io.xiaozhi.pipeline.llm.testing.ScriptedModel.Round;
import io.xiaozhi.pipeline.llm.testing.Sentence;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tool loop of a turn, with a scripted model: server tools, device tools, rejected calls, continuations. */
class ToolLoopTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T06:03:00Z"), ZoneOffset.UTC);
    private static TestDatabase database;
    private static HikariDataSource dataSource;

    private TestStore testStore;
    private KeyValueStore store;
    private ScriptedModel model;
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
    void setUp() {
        testStore = new TestStore();
        store = testStore.store();
        model = new ScriptedModel();
        worker = Fixture.worker(model, store, dataSource, CLOCK);
        String session = "s-" + UUID.randomUUID();
        envelope = Requests.envelope(session, "aa:bb:cc:dd:ee:01", "t-" + UUID.randomUUID(), Fixture.DOWNLINK);
    }

    @AfterEach
    void tearDown() {
        worker.close();
        testStore.close();
    }

    private RecordingContext say(LlmWorker target, String text) throws Exception {
        RecordingContext context = new RecordingContext(envelope);
        target.handler().handle(Requests.asRequest(Requests.userText("llm", envelope, text, 1000L, null, null)), context)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return context;
    }

    private RecordingContext answer(LlmWorker target, String callId, String name, String result, boolean isError) throws Exception {
        RecordingContext context = new RecordingContext(envelope);
        target.handler().handle(Requests.asRequest(Requests.toolResult("llm", envelope, callId, name, result, isError)), context)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return context;
    }

    private static List<ChatMessage> toolMessages(ChatRequest request) {
        return request.messages().stream().filter(m -> m.role() == ChatMessage.Role.TOOL).toList();
    }

    @Test
    void getTimeIsAnsweredByTheWorkerWithTheDateTimeAndZone() throws Exception {
        model.then(Round.call(new ToolCall("call_1", "get_time", "{}")))
                .then(Round.say("It's six past two in the afternoon."));
        RecordingContext context = say(worker, "what time is it?");

        assertThat(model.requests()).hasSize(2);
        assertThat(model.requests().get(0).tools()).extracting(ToolSpec::name).contains("get_time", "end_conversation");
        List<ChatMessage> tools = toolMessages(model.requests().get(1));
        assertThat(tools).hasSize(1);
        assertThat(tools.get(0).toolCallId()).isEqualTo("call_1");
        assertThat(tools.get(0).content()).isEqualTo("2025-06-01 14:03:00, Sunday (time zone Asia/Shanghai, UTC+08:00)");
        assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::text, Sentence::last)
                .containsExactly(tuple("It's six past two in the afternoon.", true));
        assertThat(context.replies(MessageTypes.TOOL_CALL)).isEmpty();
        assertThat(worker.metrics().count("xiaozhi.llm.tool_calls", "kind", "server", "outcome", "ok")).isEqualTo(1);
    }

    @Test
    void endConversationSendsTheFarewellThenSessionEnd() throws Exception {
        model.then(Round.call(new ToolCall("call_1", "end_conversation", "")))
                .then(Round.say("👋 Goodbye, talk soon!"));
        RecordingContext context = say(worker, "bye for now");

        assertThat(toolMessages(model.requests().get(1)).get(0).content()).contains("conversation will end");
        List<Sentence> sentences = context.sentences(Fixture.TTS_TOPIC);
        assertThat(sentences).extracting(Sentence::text).containsExactly("Goodbye, talk soon!");
        assertThat(sentences.get(0).last()).isTrue();
        assertThat(context.replies(MessageTypes.SESSION_END)).hasSize(1);
        // the farewell goes out before the session end
        List<String> order = context.sent().stream().map(r -> r.topic().equals(Fixture.TTS_TOPIC) ? "sentence"
                : new String(r.headers().lastHeader("xz.type").value())).toList();
        assertThat(order).containsSubsequence("sentence", MessageTypes.SESSION_END);
    }

    @Test
    void anUnknownToolIsReportedToTheModelAndNeverReachesTheDevice() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool());
        model.then(Round.call(new ToolCall("call_1", "self_audio_speaker_set_volumes", "{\"volume\": 50}")))
                .then(Round.say("Sorry, I could not do that."));
        RecordingContext context = say(worker, "set the volume to 50");

        assertThat(context.replies(MessageTypes.TOOL_CALL)).isEmpty();
        String toolMessage = toolMessages(model.requests().get(1)).get(0).content();
        assertThat(toolMessage).contains("no tool named 'self_audio_speaker_set_volumes'").contains("self_audio_speaker_set_volume");
        assertThat(new ProviderMetrics(worker.metrics().registry()).count("llm", "unknown_tool")).isEqualTo(1);
        assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::text).containsExactly("Sorry, I could not do that.");
    }

    @Test
    void argumentsThatDoNotFitTheSchemaAreReportedToTheModelAndNeverReachTheDevice() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool());
        model.then(Round.call(new ToolCall("call_1", "self_audio_speaker_set_volume", "{\"volume\": \"loud\"}")))
                .then(Round.call(new ToolCall("call_2", "self_audio_speaker_set_volume", "{\"volume\": 150}")))
                .then(Round.say("I can only set it from 0 to 100."));
        RecordingContext context = say(worker, "make it really loud");

        assertThat(context.replies(MessageTypes.TOOL_CALL)).isEmpty();
        assertThat(toolMessages(model.requests().get(1)).get(0).content()).contains("arguments.volume must be of type integer");
        assertThat(toolMessages(model.requests().get(2)).get(1).content()).contains("at most 100");
        assertThat(new ProviderMetrics(worker.metrics().registry()).count("llm", "bad_arguments")).isEqualTo(2);
        assertThat(worker.metrics().count("xiaozhi.llm.tool_calls", "kind", "device", "outcome", "bad_arguments")).isEqualTo(2);
    }

    @Test
    void aDeviceToolCallSavesTheTurnAndTheAnswerContinuesItOnAnotherWorker() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool());
        model.then(Round.sayAndCall("😊 Sure, one moment.", new ToolCall("call_v", "self_audio_speaker_set_volume", "{\"volume\":50}")));
        RecordingContext first = say(worker, "set the volume to 50");

        assertThat(first.replies(MessageTypes.EMOTION)).containsExactly("😊");
        assertThat(first.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::seq, Sentence::text, Sentence::last)
                .containsExactly(tuple(0L, "Sure, one moment.", false));
        List<String> calls = first.replies(MessageTypes.TOOL_CALL);
        assertThat(calls).hasSize(1);
        JsonNode call = JSON.readTree(calls.get(0));
        assertThat(call.path("name").asText()).isEqualTo("self.audio_speaker.set_volume");
        assertThat(call.path("arguments")).isEqualTo(JSON.readTree("{\"volume\":50}"));
        String callId = call.path("call_id").asText();

        ScriptedModel otherModel = new ScriptedModel().then(Round.say("Done, the volume is 50 now."));
        try (LlmWorker other = Fixture.worker(otherModel, store, dataSource, CLOCK)) {
            RecordingContext second = answer(other, callId, "self.audio_speaker.set_volume", "true", false);
            ChatRequest resumed = otherModel.requests().get(0);
            ChatMessage assistant = resumed.messages().get(resumed.messages().size() - 2);
            assertThat(assistant.role()).isEqualTo(ChatMessage.Role.ASSISTANT);
            assertThat(assistant.toolCalls()).containsExactly(new ToolCall("call_v", "self_audio_speaker_set_volume", "{\"volume\":50}"));
            assertThat(toolMessages(resumed)).extracting(ChatMessage::toolCallId, ChatMessage::content)
                    .containsExactly(tuple("call_v", "true"));
            assertThat(second.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::seq, Sentence::text, Sentence::last)
                    .containsExactly(tuple(1L, "Done, the volume is 50 now.", true));
            assertThat(second.sentences(Fixture.TTS_TOPIC).get(0).endOfSpeech()).as("the turn's own end of speech").isEqualTo(1000L);
            assertThat(second.replies(MessageTypes.EMOTION)).as("one emotion per turn").isEmpty();
            assertThat(other.metrics().count("xiaozhi.llm.continuations", "outcome", "resumed")).isEqualTo(1);
            assertThat(other.metrics().count("xiaozhi.llm.tool_calls", "kind", "device", "outcome", "ok")).isEqualTo(1);

            // the same answer delivered again once the turn is over changes nothing
            RecordingContext again = answer(other, callId, "self.audio_speaker.set_volume", "true", false);
            assertThat(again.sent()).isEmpty();
            assertThat(other.metrics().count("xiaozhi.llm.continuations", "outcome", "duplicate")).isEqualTo(1);
        }
    }

    @Test
    void severalDeviceCallsAtOnceResumeOnceAllAnswersAreInExactlyOnce() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool(), Fixture.brightnessTool());
        model.then(Round.call(new ToolCall("call_v", "self_audio_speaker_set_volume", "{\"volume\":30}"),
                new ToolCall("call_b", "self_screen_set_brightness", "{\"brightness\":80}")));
        RecordingContext first = say(worker, "quieter and brighter please");
        List<JsonNode> calls = first.replies(MessageTypes.TOOL_CALL).stream().map(ToolLoopTest::json).toList();
        assertThat(calls).extracting(c -> c.path("name").asText()).containsExactly("self.audio_speaker.set_volume", "self.screen.set_brightness");

        ScriptedModel modelB = new ScriptedModel().then(Round.say("Both done."));
        try (LlmWorker workerB = Fixture.worker(modelB, store, dataSource, CLOCK)) {
            RecordingContext a = answer(worker, calls.get(0).path("call_id").asText(), "self.audio_speaker.set_volume", "true", false);
            assertThat(a.sent()).as("the first answer waits for the second").isEmpty();
            assertThat(worker.metrics().count("xiaozhi.llm.continuations", "outcome", "waiting")).isEqualTo(1);

            RecordingContext b = answer(workerB, calls.get(1).path("call_id").asText(), "self.screen.set_brightness",
                    "the screen is off", true);
            assertThat(b.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::text, Sentence::last)
                    .containsExactly(tuple("Both done.", true));
            assertThat(toolMessages(modelB.requests().get(0))).extracting(ChatMessage::toolCallId, ChatMessage::content).containsExactly(
                    tuple("call_v", "true"),
                    tuple("call_b", "Error: the screen is off"));
            assertThat(model.requests()).as("the first worker's model was asked only once").hasSize(1);
        }
    }

    @Test
    void aRoundThatSpokeThenAFinalRoundWithoutTextClosesTheTurnWithAnEmptyLastSentence() throws Exception {
        model.then(Round.sayAndCall("Let me check the time.", new ToolCall("call_1", "get_time", "{}")))
                .then(Round.say(""));
        RecordingContext context = say(worker, "what time is it");
        assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::seq, Sentence::text, Sentence::last).containsExactly(
                tuple(0L, "Let me check the time.", false),
                tuple(1L, "", true));
        assertThat(context.replies(MessageTypes.TURN_END)).isEmpty();
    }

    @Test
    void aReplyWithNothingToSayEndsTheTurn() throws Exception {
        model.then(Round.say("😶"));
        RecordingContext context = say(worker, "hmm");
        assertThat(context.sentences(Fixture.TTS_TOPIC)).isEmpty();
        assertThat(context.replies(MessageTypes.TURN_END)).hasSize(1);
        assertThat(context.replies(MessageTypes.EMOTION)).containsExactly("😶");
    }

    @Test
    void afterTheLastToolRoundTheModelIsAskedOnceMoreWithoutTools() throws Exception {
        LlmWorker limited = Fixture.worker(model, store, dataSource, CLOCK, Fixture.settings().withMaxToolRounds(2));
        try (limited) {
            model.then(Round.call(new ToolCall("c1", "get_time", "{}")))
                    .then(Round.call(new ToolCall("c2", "get_time", "{}")))
                    .then(Round.sayAndCall("It is two o'clock.", new ToolCall("c3", "get_time", "{}")));
            RecordingContext context = say(limited, "time?");
            assertThat(model.requests()).hasSize(3);
            assertThat(model.requests().get(1).tools()).isNotEmpty();
            assertThat(model.requests().get(2).tools()).isEmpty();
            assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::text).containsExactly("It is two o'clock.");
            assertThat(limited.metrics().count("xiaozhi.llm.tool_calls", "kind", "none", "outcome", "ignored")).isEqualTo(1);
            assertThat(limited.metrics().count("xiaozhi.llm.tool_rounds")).isEqualTo(2);
        }
    }

    @Test
    void anAnswerForATurnWithNoSavedStateFailsTheTurnAndIsCounted() {
        assertThatThrownBy(() -> answer(worker, "1.0", "self.audio_speaker.set_volume", "true", false))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(StageException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("no saved state for tool round 1");
                });
        assertThat(worker.metrics().count("xiaozhi.llm.continuations", "outcome", "missing")).isEqualTo(1);
        assertThatThrownBy(() -> answer(worker, "call_xyz", "x", "true", false))
                .cause().isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse());
        assertThat(worker.metrics().count("xiaozhi.llm.continuations", "outcome", "unknown_call")).isEqualTo(1);
    }

    @Test
    void aMalformedToolResultIsRefused() {
        RecordingContext context = new RecordingContext(envelope);
        var record = Requests.toolResult("llm", envelope, "1.0", "x", "y", false);
        var request = Requests.asRequest(new ProducerRecord<>("llm", null, envelope.sessionId(),
                "not json".getBytes(StandardCharsets.UTF_8), record.headers()));
        assertThatThrownBy(() -> worker.handler().handle(request, context).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(StageException.class, e -> assertThat(e.retryable()).isFalse());
        assertThat(worker.metrics().count("xiaozhi.llm.continuations", "outcome", "malformed")).isEqualTo(1);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSentenceGoesOutAsSoonAsItIsCutWithTheProvidersShareOfTheTurnSoFar() throws Exception {
        model.then(Round.sayPaced(200, "First sentence is here. ", "And a second one follows", "."));
        ProducerRecord<String, byte[]> request = Requests.userText("llm", envelope, "tell me", 1000L, null, null);
        io.xiaozhi.pipeline.common.envelope.HeaderValues.putProviderMillis(request.headers(), 300);
        RecordingContext context = new RecordingContext(envelope);
        long began = System.nanoTime();
        worker.handler().handle(Requests.asRequest(request), context).toCompletableFuture().get(10, TimeUnit.SECONDS);
        long elapsedMillis = (System.nanoTime() - began) / 1_000_000;

        List<Sentence> sentences = context.sentences(Fixture.TTS_TOPIC);
        assertThat(sentences).extracting(Sentence::text, Sentence::last)
                .containsExactly(tuple("First sentence is here.", false), tuple("And a second one follows.", true));
        // the first sentence was complete after one pause, the second after three
        assertThat(sentences.get(0).providerMillis()).isBetween(300L + 200, 300L + 400);
        assertThat(sentences.get(1).providerMillis()).isBetween(300L + 600, 300L + elapsedMillis);
        ProducerRecord<String, byte[]> first = context.sent().stream().filter(r -> r.topic().equals(Fixture.TTS_TOPIC)).findFirst().orElseThrow();
        assertThat(io.xiaozhi.pipeline.common.envelope.HeaderValues.timings(first.headers()))
                .as("the request's timings go on, with when this stage took the turn and sent the sentence")
                .containsEntry("eos", 1000L).containsKeys("llm.start", "llm.sent");
    }

    @Test
    void aReplyWhoseLastSentenceWentOutMidStreamIsClosedByAnEmptyLastSentence() throws Exception {
        model.then(Round.say("One. ", "Two. "));
        RecordingContext context = say(worker, "count");
        assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::seq, Sentence::text, Sentence::last)
                .containsExactly(tuple(0L, "One.", false), tuple(1L, "Two.", false), tuple(2L, "", true));
    }

    @Test
    void withoutTheProvidersShareBeforeThisStageSentencesCarryNone() throws Exception {
        model.then(Round.say("Hello there. ", "How are you?"));
        RecordingContext context = say(worker, "hi");
        assertThat(context.sentences(Fixture.TTS_TOPIC)).extracting(Sentence::providerMillis).containsOnly(-1L);
    }
}
