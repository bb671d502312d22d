package io.xiaozhi.pipeline.llm.offline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.testing.Fixture;
import io.xiaozhi.pipeline.llm.testing.RecordingContext;
import io.xiaozhi.pipeline.llm.testing.Requests;
import io.xiaozhi.pipeline.llm.testing.TestStore;
import io.xiaozhi.pipeline.llm.testing.Sentence;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The offline responder through the whole turn: it answers what it can, calls device tools, and is honest about the rest. */
class OfflineResponderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** 14:03 on Sunday 1 June 2025 in Shanghai. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T06:03:00Z"), ZoneOffset.UTC);
    private static TestDatabase database;
    private static HikariDataSource dataSource;

    private TestStore testStore;
    private KeyValueStore store;
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
        worker = Fixture.worker(new OfflineResponder(CLOCK, Fixture.ZONE), store, dataSource, CLOCK);
        envelope = Requests.envelope("s-" + UUID.randomUUID(), "aa:bb:cc:dd:ee:02", "t-" + UUID.randomUUID(), Fixture.DOWNLINK);
    }

    @AfterEach
    void tearDown() {
        worker.close();
        testStore.close();
    }

    private RecordingContext say(String text) throws Exception {
        RecordingContext context = new RecordingContext(envelope);
        worker.handler().handle(Requests.asRequest(Requests.userText("llm", envelope, text, 1L, null, null)), context)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return context;
    }

    private RecordingContext answer(JsonNode call, String result, boolean isError) throws Exception {
        RecordingContext context = new RecordingContext(envelope);
        worker.handler().handle(Requests.asRequest(Requests.toolResult("llm", envelope, call.path("call_id").asText(),
                call.path("name").asText(), result, isError)), context).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return context;
    }

    /** The sentences as one text: separated by a space in English, run together in Chinese. */
    private static String spoken(RecordingContext context) {
        List<String> sentences = context.sentences(Fixture.TTS_TOPIC).stream().map(Sentence::text).toList();
        boolean chinese = sentences.stream().anyMatch(s -> s.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN));
        return String.join(chinese ? "" : " ", sentences);
    }

    private static JsonNode onlyToolCall(RecordingContext context) throws Exception {
        List<String> calls = context.replies(MessageTypes.TOOL_CALL);
        assertThat(calls).hasSize(1);
        return JSON.readTree(calls.get(0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "What time is it?|It's 14:03.",
            "现在几点了？|现在是14点03分。",
            "What day is it today?|Today is Sunday, June 1, 2025.",
            "今天星期几|今天是2025年6月1日，星期日。"})
    void itTellsTheTimeAndDate(String question, String reply) throws Exception {
        RecordingContext context = say(question);
        assertThat(spoken(context)).isEqualTo(reply);
        assertThat(context.sentences(Fixture.TTS_TOPIC).get(context.sentences(Fixture.TTS_TOPIC).size() - 1).last()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "what is 12 times 7|The answer is 84.",
            "What is twelve times seven?|The answer is 84.",
            "3+4|The answer is 7.",
            "what's 2 + 3 * 4|The answer is 14.",
            "100 divided by 8|The answer is 12.5.",
            "10 divided by 0|I can't divide by zero.",
            "十二乘以七等于多少|答案是84。"})
    void itDoesSimpleArithmetic(String question, String reply) throws Exception {
        assertThat(spoken(say(question))).isEqualTo(reply);
    }

    @Test
    void itSetsTheVolumeWithTheDevicesToolAndSaysItIsDone() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool(), Fixture.brightnessTool());
        RecordingContext first = say("Set the volume to 50, please.");
        JsonNode call = onlyToolCall(first);
        assertThat(call.path("name").asText()).isEqualTo("self.audio_speaker.set_volume");
        assertThat(call.path("arguments")).isEqualTo(JSON.readTree("{\"volume\":50}"));
        assertThat(first.sentences(Fixture.TTS_TOPIC)).isEmpty();

        RecordingContext done = answer(call, "true", false);
        assertThat(spoken(done)).isEqualTo("OK, the volume is now 50.");
        assertThat(done.sentences(Fixture.TTS_TOPIC).get(0).last()).isTrue();
    }

    @Test
    void itSetsTheBrightnessInChineseAndReportsTheDevicesError() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool(), Fixture.brightnessTool());
        JsonNode call = onlyToolCall(say("把亮度调到三十"));
        assertThat(call.path("name").asText()).isEqualTo("self.screen.set_brightness");
        assertThat(call.path("arguments")).isEqualTo(JSON.readTree("{\"brightness\":30}"));
        assertThat(spoken(answer(call, "screen not available", true))).isEqualTo("抱歉，亮度没有调成功：screen not available");
    }

    @Test
    void turnItUpReadsTheCurrentVolumeFirst() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool(), Fixture.statusTool());
        JsonNode status = onlyToolCall(say("Turn it up"));
        assertThat(status.path("name").asText()).isEqualTo("self.get_device_status");
        JsonNode set = onlyToolCall(answer(status, "{\"audio_speaker\":{\"volume\":70},\"screen\":{\"brightness\":40}}", false));
        assertThat(set.path("name").asText()).isEqualTo("self.audio_speaker.set_volume");
        assertThat(set.path("arguments")).isEqualTo(JSON.readTree("{\"volume\":80}"));
        assertThat(set.path("call_id").asText()).isNotEqualTo(status.path("call_id").asText());
        assertThat(spoken(answer(set, "true", false))).isEqualTo("OK, the volume is now 80.");
    }

    @Test
    void itLooksThroughTheCameraAndSaysWhatTheVisionModelSaw() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.volumeTool(), Fixture.cameraTool());
        JsonNode call = onlyToolCall(say("What do you see?"));
        assertThat(call.path("name").asText()).isEqualTo("self.camera.take_photo");
        assertThat(call.path("arguments")).isEqualTo(JSON.readTree("{\"question\":\"What do you see?\"}"));
        String visionAnswer = "{\"success\":true,\"action\":\"RESPONSE\",\"response\":\"A red square on a white table.\"}";
        assertThat(spoken(answer(call, visionAnswer, false))).isEqualTo("A red square on a white table.");
    }

    @Test
    void aFailedPhotoIsReportedInTheUsersLanguage() throws Exception {
        Fixture.storeTools(store, envelope.sessionId(), Fixture.cameraTool());
        JsonNode again = onlyToolCall(say("拍张照看看前面有什么"));
        assertThat(spoken(answer(again, "{\"success\":false,\"message\":\"photo upload timed out\"}", false)))
                .isEqualTo("抱歉，我没能看清：photo upload timed out");
    }

    @Test
    void withoutACameraItSaysSo() throws Exception {
        RecordingContext context = say("take a photo");
        assertThat(context.replies(MessageTypes.TOOL_CALL)).isEmpty();
        assertThat(spoken(context)).isEqualTo("This device has no camera I can use.");
    }

    @Test
    void withoutAVolumeToolItSaysSo() throws Exception {
        RecordingContext context = say("set the volume to 20");
        assertThat(context.replies(MessageTypes.TOOL_CALL)).isEmpty();
        assertThat(spoken(context)).isEqualTo("This device has no volume control I can use.");
    }

    @Test
    void itIsHonestAboutWhatItCannotAnswer() throws Exception {
        RecordingContext english = say("Who wrote Hamlet?");
        assertThat(spoken(english)).isEqualTo("I can't answer that without a language model configured.");
        assertThat(english.replies(MessageTypes.EMOTION)).containsExactly("🤔");
        envelope = Requests.envelope(envelope.sessionId(), envelope.deviceId(), "t-" + UUID.randomUUID(), Fixture.DOWNLINK);
        assertThat(spoken(say("给我讲个故事"))).isEqualTo("没有配置语言模型，我回答不了这个问题。");
    }

    @Test
    void itGreetsAWakeWordAndEndsTheConversationOnGoodbye() throws Exception {
        RecordingContext greeting = say("你好小智");
        assertThat(spoken(greeting)).startsWith("你好！我是小智。");
        assertThat(greeting.replies(MessageTypes.EMOTION)).containsExactly("😊");

        envelope = Requests.envelope(envelope.sessionId(), envelope.deviceId(), "t-" + UUID.randomUUID(), Fixture.DOWNLINK);
        RecordingContext goodbye = say("OK, goodbye!");
        assertThat(spoken(goodbye)).isEqualTo("Goodbye! Talk to you soon.");
        assertThat(goodbye.replies(MessageTypes.SESSION_END)).hasSize(1);
        assertThat(goodbye.replies(MessageTypes.TOOL_CALL)).as("end_conversation is the worker's own tool").isEmpty();
    }
}
