package io.xiaozhi.pipeline.monitor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Monitor data for tests and for looking at the dashboard: the shapes of the lag sampler and the
 * metrics aggregation with values that change. Lag changes with every call of {@link #lag()} (and
 * every sample served is logged, see {@link #servedLag()}); windows are 10 s long on a fixed grid and
 * their figures are a function of the window's start ({@link #window}), so a test can recompute
 * what any range holds; alerts are raised and resolved by the test.
 */
public final class FakeMonitorData implements MonitorData {

    public static final long WINDOW_MS = 10_000;
    public static final List<String> STAGES = List.of("asr", "llm", "tts", "vllm");
    public static final List<String> WORKERS = List.of("asr-worker", "llm-worker", "tts-worker", "vllm-worker");
    private static final int[] MAX_CONCURRENT = {4, 8, 4, 2};
    private static final int[] QUEUE_SIZE = {30, 40, 30, 10};
    private static final int[] TIMEOUT = {20, 30, 20, 60};
    private static final List<String> STATES = List.of("OK", "WARN", "STALL", "OK", "STOP", "OK");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final LongSupplier clock;
    private final AtomicLong lagCalls = new AtomicLong();
    private final AtomicLong alertReads = new AtomicLong();
    private final List<JsonNode> servedLag = new ArrayList<>();
    private final Map<String, ObjectNode> active = new LinkedHashMap<>();
    private final List<ObjectNode> events = new ArrayList<>();
    private long lastLagTimestamp;
    private volatile boolean failing;

    public FakeMonitorData(LongSupplier clock) {
        this.clock = clock;
    }

    public FakeMonitorData() {
        this(System::currentTimeMillis);
    }

    /** While true every method throws, as a part of the monitor that cannot answer. */
    public void failing(boolean failing) {
        this.failing = failing;
    }

    private void check() {
        if (failing) {
            throw new IllegalStateException("metrics store is rebuilding");
        }
    }

    @Override
    public synchronized List<JsonNode> lag() {
        check();
        long call = lagCalls.incrementAndGet();
        long now = Math.max(clock.getAsLong(), lastLagTimestamp + 1);
        lastLagTimestamp = now;
        List<JsonNode> stages = new ArrayList<>();
        for (int i = 0; i < STAGES.size(); i++) {
            stages.add(stageLag(i, call, now));
        }
        servedLag.addAll(stages);
        return stages;
    }

    /** The StageLag of stage {@code i} at the {@code call}-th call: records and age grow and fall in a saw tooth. */
    static ObjectNode stageLag(int i, long call, long now) {
        String stage = STAGES.get(i);
        long records = ((call * (i + 2)) % 17) * (i + 1);
        double seconds = Math.round(records * (0.4 + 0.1 * i) * 10) / 10.0;
        String state = records == 0 ? "OK" : STATES.get((int) ((call + i) % STATES.size()));
        int members = i == 1 ? 2 : 1;
        double drainRate = 2.0 + i;
        double arrivalRate = 1.5 + i + (call % 3) * 0.5;
        ObjectNode node = JSON.objectNode();
        node.put("stage", stage);
        node.put("group", "xiaozhi." + stage);
        node.put("topic", "xiaozhi." + stage + ".requests");
        node.put("timestamp", now);
        node.put("records", records);
        node.put("seconds", seconds);
        node.put("state", state);
        node.put("members", members);
        node.put("drain_rate", drainRate);
        node.put("arrival_rate", arrivalRate);
        if (drainRate > arrivalRate && records > 0) {
            node.put("drain_seconds", Math.round(records / (drainRate - arrivalRate) * 10) / 10.0);
        } else {
            node.putNull("drain_seconds");
        }
        node.put("recommended_workers", Math.max(1, (int) Math.ceil((arrivalRate + records / 10.0) / (drainRate / members))));
        node.put("queue_size", QUEUE_SIZE[i]);
        node.put("max_concurrent", MAX_CONCURRENT[i]);
        node.put("timeout", TIMEOUT[i]);
        var partitions = node.putArray("partitions");
        long first = records / 2;
        for (int p = 0; p < 2; p++) {
            long partRecords = p == 0 ? first : records - first;
            ObjectNode partition = partitions.addObject();
            partition.put("partition", p);
            partition.put("end", 1000 + call * 3 + partRecords);
            partition.put("committed", 1000 + call * 3);
            partition.put("records", partRecords);
            partition.put("seconds", p == 0 ? seconds : Math.round(seconds * 0.6 * 10) / 10.0);
        }
        return node;
    }

    /** Every StageLag served so far, in order. */
    public synchronized List<JsonNode> servedLag() {
        return List.copyOf(servedLag);
    }

    @Override
    public List<JsonNode> latestWindows() {
        check();
        long end = Math.floorDiv(clock.getAsLong(), WINDOW_MS) * WINDOW_MS;
        return windowsStarting(end - WINDOW_MS);
    }

    @Override
    public List<JsonNode> history(long fromMs, long toMs) {
        check();
        List<JsonNode> out = new ArrayList<>();
        long latestEnd = Math.floorDiv(clock.getAsLong(), WINDOW_MS) * WINDOW_MS;
        for (long start = Math.floorDiv(fromMs, WINDOW_MS) * WINDOW_MS; start < toMs && start + WINDOW_MS <= latestEnd; start += WINDOW_MS) {
            if (start + WINDOW_MS > fromMs) {
                out.addAll(windowsStarting(start));
            }
        }
        return out;
    }

    private static List<JsonNode> windowsStarting(long start) {
        List<JsonNode> out = new ArrayList<>();
        out.add(window("gateway", "", start));
        for (int i = 0; i < STAGES.size(); i++) {
            out.add(window(WORKERS.get(i), STAGES.get(i), start));
        }
        out.add(window("monitor", "", start));
        return out;
    }

    /** The WindowStats of {@code service}/{@code stage} for the 10-s window starting at {@code start}. */
    public static ObjectNode window(String service, String stage, long start) {
        long n = Math.floorDiv(start, WINDOW_MS);
        int i = STAGES.indexOf(stage);
        ObjectNode node = JSON.objectNode();
        node.put("service", service);
        node.put("stage", stage);
        node.put("start", start);
        node.put("end", start + WINDOW_MS);
        node.put("instances", i == 1 ? 2 : 1);
        if (service.equals("monitor")) {
            node.putNull("requests_per_s");
            node.putNull("errors_per_s");
            node.putNull("error_rate");
            node.putNull("latency_ms");
        } else {
            double requests = service.equals("gateway") ? 2 + n % 5 : 1 + (n + i) % 4;
            double errors = (n + Math.max(i, 0)) % 6 == 0 ? requests * 0.1 : 0.0;
            node.put("requests_per_s", requests);
            node.put("errors_per_s", errors);
            node.put("error_rate", requests > 0 ? errors / requests * 100 : 0.0);
            double p50 = service.equals("gateway") ? 600 + (n % 7) * 40 : 80 + (n % 5) * 30 + 50 * Math.max(i, 0);
            ObjectNode latency = node.putObject("latency_ms");
            latency.put("p50", p50);
            latency.put("p95", p50 * 2);
            latency.put("p99", p50 * 3);
            latency.put("count", (long) (requests * 10));
        }
        if (i >= 0) {
            node.put("inflight", (n + i) % (MAX_CONCURRENT[i] * (i == 1 ? 2 : 1) + 1));
            node.put("max_concurrent", MAX_CONCURRENT[i]);
        } else {
            node.putNull("inflight");
            node.putNull("max_concurrent");
        }
        if (service.equals("gateway")) {
            node.put("connections", 100 + (n % 13) * 5);
        } else {
            node.putNull("connections");
        }
        node.put("cpu", 10 + (n + 3L * Math.max(i, 0)) % 30 + (service.equals("llm-worker") ? 40 : 0));
        node.put("system_cpu", 30 + n % 25);
        node.put("memory", 35 + (n + Math.max(i, 0)) % 20);
        node.put("system_memory", 60 + n % 10);
        if (service.equals("gateway") || service.equals("llm-worker")) {
            ObjectNode pool = node.putObject("pool");
            pool.put("active", n % 4);
            pool.put("idle", 10 - n % 4);
            pool.put("pending", n % 9 == 0 ? 1 : 0);
            pool.put("acquire_p99_ms", 0.5 + n % 3);
        } else {
            node.putNull("pool");
        }
        return node;
    }

    /** Raises an alert now: it becomes active and a firing event is recorded. */
    public synchronized ObjectNode raise(String rule, String subject, String severity, double value, double threshold, String message) {
        long now = clock.getAsLong();
        ObjectNode alert = JSON.objectNode();
        alert.put("id", rule + "/" + subject);
        alert.put("rule", rule);
        alert.put("subject", subject);
        alert.put("severity", severity);
        alert.put("state", "firing");
        alert.put("value", value);
        alert.put("threshold", threshold);
        alert.put("message", message);
        alert.put("since", now);
        alert.put("timestamp", now);
        alert.put("repeat", 0);
        active.put(alert.get("id").asText(), alert);
        events.add(alert.deepCopy());
        return alert;
    }

    /** Resolves an active alert now: it is no longer active and a resolved event is recorded. */
    public synchronized void resolve(String id, double value) {
        ObjectNode alert = active.remove(id);
        if (alert == null) {
            throw new IllegalArgumentException("not active: " + id);
        }
        ObjectNode resolved = alert.deepCopy();
        resolved.put("state", "resolved");
        resolved.put("value", value);
        resolved.put("timestamp", clock.getAsLong());
        resolved.put("message", alert.get("message").asText().replaceFirst(" over ", " back under "));
        events.add(resolved);
    }

    /** How often the active alerts were read (the lag history sampler never reads them; a client polling does). */
    public long alertReads() {
        return alertReads.get();
    }

    @Override
    public synchronized List<JsonNode> activeAlerts() {
        check();
        alertReads.incrementAndGet();
        return active.values().stream().map(a -> (JsonNode) a.deepCopy()).toList();
    }

    @Override
    public synchronized List<JsonNode> recentAlerts(int limit) {
        check();
        List<JsonNode> out = new ArrayList<>();
        for (int k = events.size() - 1; k >= 0 && out.size() < limit; k--) {
            out.add(events.get(k).deepCopy());
        }
        return out;
    }
}
