package io.xiaozhi.pipeline.common.lag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.Stage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@link StageLag} as JSON: the value of a {@code xiaozhi.lag} record and an element of
 * {@code /api/lag}. Field names are snake_case; {@code drain_seconds} is {@code null} when the
 * queue does not shrink.
 *
 * <p>Reading is strict, because the lag feed decides admission: the value must be one JSON object
 * (nothing after it, no repeated field) with every field present and of its type (whole numbers
 * where counts and offsets are meant), no negative or non-finite number, a known stage and state.
 * Fields this version does not know are ignored. Anything else is a {@link MalformedLagException}
 * whose message names the field and what was wrong.
 */
public final class StageLagJson {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private StageLagJson() {
    }

    public static ObjectNode toJson(StageLag lag) {
        ObjectNode node = JSON.createObjectNode();
        node.put("stage", lag.stage().id());
        node.put("group", lag.group());
        node.put("topic", lag.topic());
        node.put("timestamp", lag.timestamp());
        node.put("records", lag.records());
        node.put("seconds", lag.seconds());
        node.put("state", lag.state().label());
        node.put("members", lag.members());
        node.put("drain_rate", lag.drainRate());
        node.put("arrival_rate", lag.arrivalRate());
        if (lag.drainSeconds() == null) {
            node.putNull("drain_seconds");
        } else {
            node.put("drain_seconds", lag.drainSeconds());
        }
        node.put("recommended_workers", lag.recommendedWorkers());
        node.put("queue_size", lag.queueSize());
        node.put("max_concurrent", lag.maxConcurrent());
        node.put("timeout", lag.timeout());
        ArrayNode partitions = node.putArray("partitions");
        for (StageLag.Partition p : lag.partitions()) {
            partitions.addObject()
                    .put("partition", p.partition())
                    .put("end", p.end())
                    .put("committed", p.committed())
                    .put("records", p.records())
                    .put("seconds", p.seconds());
        }
        return node;
    }

    /** An array of {@link #toJson(StageLag)}, in the given order. */
    public static ArrayNode toJson(Collection<StageLag> lags) {
        ArrayNode array = JSON.createArrayNode();
        lags.forEach(lag -> array.add(toJson(lag)));
        return array;
    }

    /** The UTF-8 JSON of one value. */
    public static byte[] encode(StageLag lag) {
        try {
            return JSON.writeValueAsBytes(toJson(lag));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a lag value as JSON", e);
        }
    }

    /** Reads a record value; throws {@link MalformedLagException} saying what is wrong with it. */
    public static StageLag decode(byte[] value) {
        if (value == null || value.length == 0) {
            throw new MalformedLagException("lag value is empty");
        }
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new MalformedLagException("lag value is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedLagException("lag value is not JSON: " + e.getMessage(), e);
        }
        return fromJson(node);
    }

    /** Reads one JSON object; throws {@link MalformedLagException} saying what is wrong with it. */
    public static StageLag fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new MalformedLagException("lag value is not a JSON object");
        }
        Fields f = new Fields(node, "");
        String stageId = f.text("stage");
        Stage stage = stageOf(stageId);
        String state = f.text("state");
        LagState lagState = LagState.parse(state);
        if (lagState == null) {
            throw new MalformedLagException("lag value: state '" + state + "' is none of OK, WARN, STALL, STOP");
        }
        JsonNode partitionsNode = node.get("partitions");
        if (partitionsNode == null || !partitionsNode.isArray()) {
            throw new MalformedLagException("lag value: partitions " + (partitionsNode == null ? "is missing" : "is not an array"));
        }
        List<StageLag.Partition> partitions = new ArrayList<>();
        for (int i = 0; i < partitionsNode.size(); i++) {
            JsonNode p = partitionsNode.get(i);
            if (!p.isObject()) {
                throw new MalformedLagException("lag value: partitions[" + i + "] is not an object");
            }
            Fields pf = new Fields(p, "partitions[" + i + "].");
            partitions.add(new StageLag.Partition(pf.integer("partition"), pf.count("end"), pf.count("committed"),
                    pf.count("records"), pf.number("seconds")));
        }
        Double drainSeconds = f.nullableNumber("drain_seconds");
        return new StageLag(stage, f.nonEmptyText("group"), f.nonEmptyText("topic"), f.count("timestamp"), f.count("records"),
                f.number("seconds"), lagState, f.integer("members"), f.number("drain_rate"), f.number("arrival_rate"),
                drainSeconds, f.integer("recommended_workers"), f.integer("queue_size"), f.integer("max_concurrent"),
                f.integer("timeout"), partitions);
    }

    private static Stage stageOf(String id) {
        for (Stage stage : Stage.values()) {
            if (stage.id().equals(id)) {
                return stage;
            }
        }
        throw new MalformedLagException("lag value: stage '" + id + "' is not a stage of the pipeline");
    }

    /** Typed, checked access to the fields of one object; {@code prefix} places it in the value for messages. */
    private record Fields(JsonNode node, String prefix) {

        private JsonNode required(String name) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw new MalformedLagException("lag value: " + prefix + name + " is missing");
            }
            return value;
        }

        String text(String name) {
            JsonNode value = required(name);
            if (!value.isTextual()) {
                throw new MalformedLagException("lag value: " + prefix + name + " is not text");
            }
            return value.textValue();
        }

        String nonEmptyText(String name) {
            String value = text(name);
            if (value.isEmpty()) {
                throw new MalformedLagException("lag value: " + prefix + name + " is empty");
            }
            return value;
        }

        /** A whole number of at least 0 that fits a long. */
        long count(String name) {
            JsonNode value = required(name);
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw new MalformedLagException("lag value: " + prefix + name + " is not a whole number (" + value + ")");
            }
            long v = value.longValue();
            if (v < 0) {
                throw new MalformedLagException("lag value: " + prefix + name + " is negative (" + v + ")");
            }
            return v;
        }

        /** A whole number of at least 0 that fits an int. */
        int integer(String name) {
            long v = count(name);
            if (v > Integer.MAX_VALUE) {
                throw new MalformedLagException("lag value: " + prefix + name + " is too large (" + v + ")");
            }
            return (int) v;
        }

        /** A finite number of at least 0. */
        double number(String name) {
            return checked(name, required(name));
        }

        Double nullableNumber(String name) {
            if (!node.has(name)) {
                throw new MalformedLagException("lag value: " + prefix + name + " is missing");
            }
            JsonNode value = node.get(name);
            return value.isNull() ? null : checked(name, value);
        }

        private double checked(String name, JsonNode value) {
            if (!value.isNumber()) {
                throw new MalformedLagException("lag value: " + prefix + name + " is not a number (" + value + ")");
            }
            double v = value.doubleValue();
            if (!Double.isFinite(v) || v < 0) {
                throw new MalformedLagException("lag value: " + prefix + name + " must be a finite number of at least 0 (" + value + ")");
            }
            return v;
        }
    }
}
