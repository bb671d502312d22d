package io.xiaozhi.pipeline.llm.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.TestDatabase;
import io.xiaozhi.pipeline.common.storage.TestDatabases;
import io.xiaozhi.pipeline.llm.LlmMetrics;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.testing.Fixture;
import io.xiaozhi.pipeline.llm.testing.RecordingContext;
import io.xiaozhi.pipeline.llm.testing.Requests;
import io.xiaozhi.pipeline.llm.testing.TestStore;
import io.xiaozhi.pipeline.llm.testing.ScriptedModel;
import io.xiaozhi.pipeline.llm.testing.ScriptedModel.Round;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hot history in the key-value store and the durable one in {@code chat_history}. */
class HistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase database;
    private static HikariDataSource dataSource;

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

    /** The rows of {@code chat_history} for {@code device}, oldest first, as column → value. */
    private static List<Map<String, Object>> rows(String device) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT session_id, turn_id, role, content, asr_ms, llm_first_token_ms, "
                        + "llm_ms, tts_first_audio_ms, total_ms FROM chat_history WHERE device_id = ? ORDER BY id")) {
            query.setString(1, device);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                        row.put(result.getMetaData().getColumnLabel(i).toLowerCase(Locale.ROOT), result.getObject(i));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    private static void handle(LlmWorker worker, ProducerRecord<String, byte[]> record, Envelope envelope) throws Exception {
        worker.handler().handle(Requests.asRequest(record), new RecordingContext(envelope)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void eachTurnIsKeptHotForTheNextAndWrittenDurablyWithItsTimings() throws Exception {
        String device = "aa:bb:" + UUID.randomUUID().toString().substring(0, 8);
        String session = "s-" + UUID.randomUUID();
        TestStore testStore = new TestStore();
        KeyValueStore store = testStore.store();
        ScriptedModel model = new ScriptedModel().then(Round.say("😊 Four.")).then(Round.say("Eight."));
        LlmWorker worker = Fixture.worker(model, store, dataSource, Clock.systemUTC());
        long now = System.currentTimeMillis();
        Envelope first = Requests.envelope(session, device, "t-1-" + UUID.randomUUID(), Fixture.DOWNLINK);
        ProducerRecord<String, byte[]> firstRecord = Requests.userText("llm", first, "What is two plus two?", now - 900, now - 800, now - 500);
        handle(worker, firstRecord, first);
        Envelope second = Requests.envelope(session, device, "t-2-" + UUID.randomUUID(), Fixture.DOWNLINK);
        handle(worker, Requests.userText("llm", second, "And twice that?", now, null, null), second);

        List<ChatMessage> asked = model.requests().get(1).messages();
        assertThat(asked).extracting(m -> m.role() + ": " + m.content()).containsExactly(
                "SYSTEM: " + Fixture.settings().defaultSystemPrompt(),
                "USER: What is two plus two?", "ASSISTANT: 😊 Four.", "USER: And twice that?");
        List<String> hot = store.listRange(ConversationHistory.key(device), 0, -1);
        assertThat(hot).hasSize(2);
        assertThat(JSON.readTree(hot.get(0)).path("turn").asText()).isEqualTo(first.turnId());
        assertThat(JSON.readTree(hot.get(1)).path("assistant").asText()).isEqualTo("Eight.");
        assertThat(store.ttl(ConversationHistory.key(device))).hasValueSatisfying(ttl -> assertThat(ttl).isGreaterThan(Duration.ofHours(23)));

        // the first turn delivered again is recognised: no model call, no second copy anywhere
        handle(worker, firstRecord, first);
        assertThat(model.requests()).hasSize(2);
        assertThat(worker.metrics().count("xiaozhi.llm.turns", "outcome", "duplicate")).isEqualTo(1);
        assertThat(store.listRange(ConversationHistory.key(device), 0, -1)).hasSize(2);

        worker.close();
        List<Map<String, Object>> rows = rows(device);
        assertThat(rows).extracting(r -> r.get("role") + ": " + r.get("content"))
                .containsExactly("user: What is two plus two?", "assistant: 😊 Four.", "user: And twice that?", "assistant: Eight.");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("session_id")).isEqualTo(session);
            assertThat(r.get("tts_first_audio_ms")).isNull();
        });
        assertThat(rows.get(0).get("turn_id")).isEqualTo(first.turnId());
        assertThat(((Number) rows.get(0).get("asr_ms")).intValue()).isEqualTo(300);
        assertThat(rows.get(0).get("llm_ms")).isNull();
        assertThat(rows.get(1).get("llm_first_token_ms")).isNotNull();
        assertThat(rows.get(1).get("llm_ms")).isNotNull();
        assertThat(((Number) rows.get(1).get("total_ms")).intValue()).isGreaterThanOrEqualTo(900);
        assertThat(rows.get(2).get("asr_ms")).isNull();
        assertThat(worker.metrics().count("xiaozhi.llm.history.writes")).isEqualTo(4);
        testStore.close();
    }

    @Test
    void theHotHistoryKeepsTheLastTurnsAndEachTurnOnce() {
        TestStore testStore = new TestStore();
        KeyValueStore store = testStore.store();
        LlmMetrics metrics = new LlmMetrics(new SimpleMeterRegistry());
        ConversationHistory history = new ConversationHistory(store, 3, Duration.ofHours(24), metrics);
        for (int i = 0; i < 5; i++) {
            history.append("dev", new Exchange("turn-" + i, "q" + i, "a" + i));
        }
        history.append("dev", new Exchange("turn-4", "q4", "a4 again"));
        assertThat(history.load("dev")).extracting(Exchange::turnId).containsExactly("turn-2", "turn-3", "turn-4");
        assertThat(history.load("dev").get(2).assistant()).isEqualTo("a4");
        store.listAppend(ConversationHistory.key("dev"), "not json", 3, Duration.ofHours(1));
        assertThat(history.load("dev")).extracting(Exchange::turnId).containsExactly("turn-3", "turn-4");
        assertThat(metrics.count("xiaozhi.llm.history.failures", "op", "read")).isEqualTo(1);
        testStore.close();
    }

    @Test
    void aFullQueueDropsRowsAndAFailedWriteIsCountedNeverThrown() throws Exception {
        LlmMetrics metrics = new LlmMetrics(new SimpleMeterRegistry());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ChatHistoryWriter writer = new ChatHistoryWriter(() -> {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return dataSource;
        }, metrics, 2, 100, Duration.ofMillis(50));
        String device = "dev-" + UUID.randomUUID();
        writer.add(List.of(row(device, "first")));
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the writer took the first row").isTrue();
        writer.add(List.of(row(device, "second"), row(device, "third"), row(device, "fourth"), row(device, "fifth")));
        assertThat(metrics.count("xiaozhi.llm.history.dropped")).isEqualTo(2);
        release.countDown();
        writer.close();
        assertThat(rows(device)).extracting(r -> r.get("content")).containsExactly("first", "second", "third");

        ChatHistoryWriter failing = new ChatHistoryWriter(() -> {
            throw new IllegalStateException("the database is down");
        }, metrics, 10, 100, Duration.ofMillis(50));
        failing.add(List.of(row(device, "lost"), row(device, "lost too")));
        failing.close();
        assertThat(metrics.count("xiaozhi.llm.history.failures", "op", "write")).isEqualTo(2);
        assertThat(rows(device)).as("nothing more was written").hasSize(3);
    }

    private static HistoryRow row(String device, String content) {
        return new HistoryRow(device, "s", "t", "user", content, null, null, null, null);
    }
}
