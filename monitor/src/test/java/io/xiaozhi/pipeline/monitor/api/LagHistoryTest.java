package io.xiaozhi.pipeline.monitor.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LagHistoryTest {

    private static ObjectNode lag(String stage, long timestamp, long records, double seconds, String state) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("stage", stage);
        node.put("timestamp", timestamp);
        node.put("records", records);
        node.put("seconds", seconds);
        node.put("state", state);
        node.put("members", 2);
        node.put("recommended_workers", (int) records / 10 + 1);
        node.putNull("drain_seconds");
        return node;
    }

    @Test
    void keepsOneSamplePerStageAndTimestampInOrder() {
        LagHistory history = new LagHistory(Duration.ofHours(1), 1000);
        assertThat(history.record(List.of(lag("asr", 1000, 5, 1.0, "OK"), lag("llm", 1000, 7, 2.0, "WARN")), 1000)).isEqualTo(2);
        // the same latest figures again, and an older one: ignored
        assertThat(history.record(List.of(lag("asr", 1000, 5, 1.0, "OK"), lag("llm", 900, 1, 1.0, "OK")), 1500)).isZero();
        assertThat(history.record(List.of(lag("asr", 2000, 9, 3.0, "STALL")), 2000)).isEqualTo(1);
        List<ObjectNode> all = history.range(0, 5000, 100);
        assertThat(all).extracting(n -> n.get("stage").asText() + "@" + n.get("timestamp").asLong())
                .containsExactly("asr@1000", "llm@1000", "asr@2000");
        assertThat(all.get(2).get("state").asText()).isEqualTo("STALL");
        assertThat(all.get(2).get("drain_seconds").isNull()).isTrue();
        assertThat(history.range(1500, 5000, 100)).hasSize(1);
        assertThat(history.oldest()).isEqualTo(1000);
    }

    @Test
    void skipsAndCountsEntriesItCannotRead() {
        LagHistory history = new LagHistory(Duration.ofHours(1), 1000);
        ObjectNode noStage = lag("asr", 1000, 1, 1, "OK");
        noStage.remove("stage");
        ObjectNode textTimestamp = lag("asr", 1000, 1, 1, "OK");
        textTimestamp.put("timestamp", "soon");
        List<JsonNode> entries = List.of(noStage, textTimestamp, JsonNodeFactory.instance.textNode("x"), lag("tts", 1000, 1, 1, "OK"));
        assertThat(history.record(entries, 1000)).isEqualTo(1);
        assertThat(history.skipped()).isEqualTo(3);
    }

    @Test
    void forgetsWhatIsOlderThanTheRetentionOrBeyondTheCap() {
        LagHistory history = new LagHistory(Duration.ofSeconds(10), 3);
        for (long t = 1; t <= 5; t++) {
            history.record(List.of(lag("asr", t * 1000, t, t, "OK")), t * 1000);
        }
        assertThat(history.range(0, Long.MAX_VALUE, 100)).extracting(n -> n.get("timestamp").asLong()).containsExactly(3000L, 4000L, 5000L);
        history.record(List.of(), 14_500);
        assertThat(history.range(0, Long.MAX_VALUE, 100)).extracting(n -> n.get("timestamp").asLong()).containsExactly(5000L);
    }

    @Test
    void longRangesAreMergedIntoBucketsKeepingTheWorst() {
        LagHistory history = new LagHistory(Duration.ofHours(1), 1000);
        String[] states = {"OK", "STOP", "WARN", "OK", "OK", "STALL"};
        for (int i = 0; i < 6; i++) {
            history.record(List.of(lag("asr", 1000L * (i + 1), i == 1 ? 50 : i, i == 4 ? 9.5 : 1, states[i])), 1000L * (i + 1));
        }
        List<ObjectNode> merged = history.range(0, 10_000, 2);
        assertThat(merged).hasSize(2);
        assertThat(merged.get(0).get("samples").asInt()).isEqualTo(3);
        assertThat(merged.get(0).get("timestamp").asLong()).isEqualTo(3000);
        assertThat(merged.get(0).get("records").asLong()).isEqualTo(50);
        assertThat(merged.get(0).get("state").asText()).isEqualTo("STOP");
        assertThat(merged.get(0).get("recommended_workers").asInt()).isEqualTo(6);
        assertThat(merged.get(1).get("seconds").asDouble()).isEqualTo(9.5);
        assertThat(merged.get(1).get("state").asText()).isEqualTo("STALL");
    }
}
