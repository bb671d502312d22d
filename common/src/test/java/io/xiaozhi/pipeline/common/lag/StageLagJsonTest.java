package io.xiaozhi.pipeline.common.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.Stage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class StageLagJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static StageLag sample() {
        return new StageLag(Stage.ASR, "xiaozhi.asr", "xiaozhi.asr.requests", 1_764_230_400_000L, 12, 3.4, LagState.WARN, 2,
                5.2, 6.0, null, 3, 30, 8, 20,
                List.of(new StageLag.Partition(0, 100, 90, 10, 3.4), new StageLag.Partition(1, 50, 48, 2, 0.7)));
    }

    @Test
    void writesTheSharedShapeAndReadsItBack() throws Exception {
        StageLag lag = sample();
        JsonNode json = JSON.readTree(StageLagJson.encode(lag));
        assertThat(json.get("stage").asText()).isEqualTo("asr");
        assertThat(json.get("state").asText()).isEqualTo("WARN");
        assertThat(json.get("drain_rate").asDouble()).isEqualTo(5.2);
        assertThat(json.get("arrival_rate").asDouble()).isEqualTo(6.0);
        assertThat(json.get("recommended_workers").asInt()).isEqualTo(3);
        assertThat(json.get("queue_size").asInt()).isEqualTo(30);
        assertThat(json.get("max_concurrent").asInt()).isEqualTo(8);
        assertThat(json.get("timeout").asInt()).isEqualTo(20);
        assertThat(json.has("drain_seconds")).as("present, as null").isTrue();
        assertThat(json.get("drain_seconds").isNull()).isTrue();
        assertThat(json.get("partitions").get(0).get("committed").asLong()).isEqualTo(90);
        assertThat(StageLagJson.decode(StageLagJson.encode(lag))).isEqualTo(lag);

        StageLag draining = new StageLag(Stage.VLLM, "g", "t", 1, 0, 0, LagState.OK, 0, 0, 0, 0.0, 0, 0, 1, 1, List.of());
        assertThat(StageLagJson.decode(StageLagJson.encode(draining))).isEqualTo(draining);
        assertThat(StageLagJson.toJson(List.of(lag, draining))).hasSize(2);
    }

    @Test
    void acceptsFieldsItDoesNotKnowAndLowerCaseStates() {
        ObjectNode node = StageLagJson.toJson(sample());
        node.put("added_later", "x");
        node.put("state", "stall");
        assertThat(StageLagJson.fromJson(node).state()).isEqualTo(LagState.STALL);
    }

    @Test
    void rejectsWhatIsNotJsonOrNotOneObject() {
        rejects(new byte[0], "lag value is empty");
        rejects((byte[]) null, "lag value is empty");
        rejects("{\"stage\":".getBytes(StandardCharsets.UTF_8), "lag value is not JSON");
        rejects("[1,2]".getBytes(StandardCharsets.UTF_8), "not a JSON object");
        rejects("null".getBytes(StandardCharsets.UTF_8), "not a JSON object");
        byte[] twice = (StageLagJson.toJson(sample()) + " {}").getBytes(StandardCharsets.UTF_8);
        rejects(twice, "lag value is not JSON");
        String duplicated = StageLagJson.toJson(sample()).toString().replaceFirst("\\{", "{\"records\":1,");
        rejects(duplicated.getBytes(StandardCharsets.UTF_8), "Duplicate field 'records'");
    }

    @Test
    void namesTheFieldThatIsWrong() {
        changed(n -> n.remove("records"), "records is missing");
        changed(n -> n.putNull("timestamp"), "timestamp is missing");
        changed(n -> n.remove("drain_seconds"), "drain_seconds is missing");
        changed(n -> n.put("stage", "ocr"), "stage 'ocr' is not a stage");
        changed(n -> n.put("stage", 3), "stage is not text");
        changed(n -> n.put("state", "LATE"), "state 'LATE' is none of");
        changed(n -> n.put("group", ""), "group is empty");
        changed(n -> n.put("records", -1), "records is negative");
        changed(n -> n.put("records", 1.5), "records is not a whole number");
        changed(n -> n.put("records", "12"), "records is not a whole number");
        changed(n -> n.put("members", 10_000_000_000L), "members is too large");
        changed(n -> n.put("seconds", -0.5), "seconds must be a finite number of at least 0");
        changed(n -> n.put("seconds", "3"), "seconds is not a number");
        changed(n -> n.put("drain_seconds", -1.0), "drain_seconds must be a finite number");
        changed(n -> n.put("partitions", "none"), "partitions is not an array");
        changed(n -> n.withArray("partitions").add(7), "partitions[2] is not an object");
        changed(n -> ((ObjectNode) n.get("partitions").get(1)).remove("end"), "partitions[1].end is missing");
        changed(n -> ((ObjectNode) n.get("partitions").get(0)).put("seconds", -2), "partitions[0].seconds must be");
    }

    @Test
    void aHugeNumberIsNotTakenForInfinity() {
        String json = StageLagJson.toJson(sample()).toString().replace("\"seconds\":3.4,\"state\"", "\"seconds\":1e400,\"state\"");
        rejects(json.getBytes(StandardCharsets.UTF_8), "seconds must be a finite number");
    }

    @Test
    void theRecordRefusesWhatCouldNotBeWrittenAsJson() {
        assertThatThrownBy(() -> new StageLag(Stage.ASR, "g", "t", 1, 0, Double.NaN, LagState.OK, 0, 0, 0, null, 0, 0, 1, 1, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seconds");
        assertThatThrownBy(() -> new StageLag(Stage.ASR, "g", "t", 1, 0, 0, LagState.OK, 0, Double.POSITIVE_INFINITY, 0, null, 0, 0, 1, 1, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drain_rate");
        assertThatThrownBy(() -> new StageLag.Partition(0, 1, -1, 0, 0)).hasMessageContaining("committed");
    }

    private static void changed(Consumer<ObjectNode> change, String message) {
        ObjectNode node = StageLagJson.toJson(sample());
        change.accept(node);
        rejects(node.toString().getBytes(StandardCharsets.UTF_8), message);
    }

    private static void rejects(byte[] value, String message) {
        assertThatThrownBy(() -> StageLagJson.decode(value))
                .isInstanceOf(MalformedLagException.class)
                .hasMessageContaining(message);
    }
}
