package io.xiaozhi.pipeline.monitor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lag of each stage over time, kept in this process's memory: the {@code xiaozhi.lag} feed is
 * compacted (the latest per stage only), so the dashboard's back-fill and reports over a past range
 * read the samples the monitor took since it started.
 *
 * <p>Contract: {@link #record} takes StageLag JSON and keeps a compact sample per stage and
 * timestamp (a sample not newer than the stage's last one is ignored, so recording the same latest
 * figures twice keeps one); samples older than the retention, or beyond {@code maxSamplesPerStage}
 * per stage, are dropped oldest first. {@link #range} answers the samples in a range, oldest first;
 * when a stage has more than {@code maxPoints} there, consecutive samples are merged into buckets
 * (the worst of each: largest records, seconds and recommended count, the worst state, the last
 * member count; {@code samples} says how many were merged). Thread-safe.
 */
public final class LagHistory {

    /** Order of the states from best to worst. */
    private static final List<String> STATES = List.of("OK", "WARN", "STALL", "STOP");

    /** One stage's figures at one time. */
    public record Sample(String stage, long timestamp, long records, double seconds, String state, int members,
                         int recommendedWorkers, Double drainSeconds) {

        ObjectNode toJson(int merged) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("stage", stage);
            node.put("timestamp", timestamp);
            node.put("records", records);
            node.put("seconds", seconds);
            node.put("state", state);
            node.put("members", members);
            node.put("recommended_workers", recommendedWorkers);
            if (drainSeconds == null) {
                node.putNull("drain_seconds");
            } else {
                node.put("drain_seconds", drainSeconds);
            }
            if (merged > 1) {
                node.put("samples", merged);
            }
            return node;
        }
    }

    private final Duration retention;
    private final int maxSamplesPerStage;
    private final Map<String, ArrayDeque<Sample>> byStage = new TreeMap<>();
    private long skipped;

    public LagHistory(Duration retention, int maxSamplesPerStage) {
        if (retention.isNegative() || retention.isZero() || maxSamplesPerStage < 1) {
            throw new IllegalArgumentException("retention and maxSamplesPerStage must be positive");
        }
        this.retention = retention;
        this.maxSamplesPerStage = maxSamplesPerStage;
    }

    /**
     * Keeps the samples among {@code lag} that are newer than their stage's last one; an entry without
     * a text {@code stage} or a numeric {@code timestamp} is skipped and counted ({@link #skipped()}).
     * {@code now} decides what has aged out.
     *
     * @return how many samples were added
     */
    public synchronized int record(List<JsonNode> lag, long now) {
        int added = 0;
        for (JsonNode node : lag) {
            Sample sample = sample(node);
            if (sample == null) {
                skipped++;
                continue;
            }
            ArrayDeque<Sample> samples = byStage.computeIfAbsent(sample.stage(), stage -> new ArrayDeque<>());
            if (!samples.isEmpty() && samples.peekLast().timestamp() >= sample.timestamp()) {
                continue;
            }
            samples.addLast(sample);
            added++;
            while (samples.size() > maxSamplesPerStage) {
                samples.removeFirst();
            }
        }
        long oldest = now - retention.toMillis();
        for (ArrayDeque<Sample> samples : byStage.values()) {
            while (!samples.isEmpty() && samples.peekFirst().timestamp() < oldest) {
                samples.removeFirst();
            }
        }
        return added;
    }

    /** StageLag entries that could not be read since start. */
    public synchronized long skipped() {
        return skipped;
    }

    /** The timestamp of the oldest sample kept, or {@code null} when there is none. */
    public synchronized Long oldest() {
        return byStage.values().stream().filter(samples -> !samples.isEmpty()).map(samples -> samples.peekFirst().timestamp())
                .min(Comparator.naturalOrder()).orElse(null);
    }

    /** Samples with {@code from <= timestamp <= to}, every stage, ordered by time; at most {@code maxPoints} per stage. */
    public synchronized List<ObjectNode> range(long from, long to, int maxPoints) {
        List<ObjectNode> out = new ArrayList<>();
        for (ArrayDeque<Sample> samples : byStage.values()) {
            List<Sample> inRange = new ArrayList<>();
            for (Sample sample : samples) {
                if (sample.timestamp() >= from && sample.timestamp() <= to) {
                    inRange.add(sample);
                }
            }
            int perBucket = Math.max(1, (inRange.size() + maxPoints - 1) / maxPoints);
            Iterator<Sample> it = inRange.iterator();
            while (it.hasNext()) {
                Sample merged = it.next();
                int count = 1;
                while (count < perBucket && it.hasNext()) {
                    merged = worst(merged, it.next());
                    count++;
                }
                out.add(merged.toJson(count));
            }
        }
        out.sort(Comparator.comparingLong(node -> node.get("timestamp").asLong()));
        return out;
    }

    private static Sample worst(Sample earlier, Sample later) {
        String state = STATES.indexOf(later.state()) >= STATES.indexOf(earlier.state()) ? later.state() : earlier.state();
        Double drain;
        if (later.drainSeconds() == null || earlier.drainSeconds() == null) {
            drain = later.drainSeconds() == null ? earlier.drainSeconds() : later.drainSeconds();
        } else {
            drain = Math.max(earlier.drainSeconds(), later.drainSeconds());
        }
        return new Sample(later.stage(), later.timestamp(), Math.max(earlier.records(), later.records()),
                Math.max(earlier.seconds(), later.seconds()), state, later.members(),
                Math.max(earlier.recommendedWorkers(), later.recommendedWorkers()), drain);
    }

    private static Sample sample(JsonNode node) {
        if (node == null || !node.path("stage").isTextual() || node.path("stage").asText().isBlank()
                || !node.path("timestamp").isNumber()) {
            return null;
        }
        JsonNode drain = node.path("drain_seconds");
        String state = node.path("state").asText("");
        return new Sample(node.get("stage").asText(), node.get("timestamp").asLong(), node.path("records").asLong(0),
                node.path("seconds").asDouble(0), STATES.contains(state) ? state : "UNKNOWN", node.path("members").asInt(0),
                node.path("recommended_workers").asInt(0), drain.isNumber() ? drain.asDouble() : null);
    }
}
