package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A report's figures, computed from a {@link ReportInput} into one JSON document (what
 * {@code report.json} holds, and what the Markdown and HTML renderings show):
 * <ul>
 *   <li>{@code period}: from, to, seconds; {@code source} live or history; {@code polls}</li>
 *   <li>{@code summary}: turns (the gateway's request rate times the part of each window inside the
 *       period), turns per second, error rate (gateway errors over gateway turns, %), turn latency
 *       p50/p95/p99 (the windows' percentiles averaged with their sample counts as weights, an
 *       approximation of the period's percentile; {@code worst_p99} is the worst window), peak connections</li>
 *   <li>{@code stages}: per stage from the lag samples: samples, max records, max seconds, states seen
 *       (in order of severity), last state, recommended workers and members (max and last), longest drain time</li>
 *   <li>{@code services}: per service and stage from the windows: request rate (mean and max), error
 *       rate (overall and worst window), p95/p99 (worst window), CPU, system CPU, heap and system memory
 *       peaks (%), in-flight peak (summed over instances), the per-process limit {@code max_concurrent} and the
 *       largest capacity ({@code max_concurrent} × instances), pool peaks</li>
 *   <li>{@code alerts}: counts of alerts fired, repeated and resolved in the period, the events, and
 *       the alerts active at its end</li>
 *   <li>{@code notes}, and {@code series} (the lag samples and windows, for charts)</li>
 * </ul>
 * Figures nobody reported are {@code null}, never 0.
 */
public final class Report {

    static final List<String> STATES = List.of("OK", "WARN", "STALL", "STOP");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Report() {
    }

    public static ObjectNode build(ReportInput input, long generatedAt) {
        ObjectNode report = JSON.objectNode();
        report.put("title", "xiaozhi-pipeline monitor report");
        report.put("generated", generatedAt);
        report.put("source", input.source());
        report.put("monitor", input.monitor());
        ObjectNode period = report.putObject("period");
        period.put("from", input.from());
        period.put("to", input.to());
        period.put("from_iso", Instant.ofEpochMilli(input.from()).toString());
        period.put("to_iso", Instant.ofEpochMilli(input.to()).toString());
        period.put("seconds", round((input.to() - input.from()) / 1000.0));
        report.put("polls", input.polls());
        List<String> notes = new ArrayList<>(input.notes());
        report.set("summary", summary(input, notes));
        report.set("stages", stages(input.lag()));
        report.set("services", services(input));
        report.set("alerts", alerts(input));
        ArrayNode notesNode = report.putArray("notes");
        notes.forEach(notesNode::add);
        ObjectNode series = report.putObject("series");
        ArrayNode lag = series.putArray("lag");
        input.lag().forEach(lag::add);
        ArrayNode windows = series.putArray("windows");
        input.windows().forEach(windows::add);
        return report;
    }

    /** The part of a window's length that lies inside the period, 0..1. */
    static double overlap(JsonNode window, long from, long to) {
        long start = window.path("start").asLong();
        long end = window.path("end").asLong();
        if (end <= start) {
            return 0;
        }
        long inside = Math.min(end, to) - Math.max(start, from);
        return Math.max(0, Math.min(1, inside / (double) (end - start)));
    }

    private static ObjectNode summary(ReportInput input, List<String> notes) {
        ObjectNode summary = JSON.objectNode();
        List<JsonNode> gateway = input.windows().stream().filter(w -> "gateway".equals(w.path("service").asText())).toList();
        double turns = 0;
        double errors = 0;
        double covered = 0;
        boolean rates = false;
        double weight = 0;
        double[] percentiles = new double[3];
        Double worstP99 = null;
        Double peakConnections = null;
        for (JsonNode w : gateway) {
            double part = overlap(w, input.from(), input.to());
            double seconds = part * (w.path("end").asLong() - w.path("start").asLong()) / 1000.0;
            Double requests = number(w, "requests_per_s");
            if (requests != null) {
                rates = true;
                turns += requests * seconds;
                errors += orZero(number(w, "errors_per_s")) * seconds;
                covered += seconds;
            }
            JsonNode latency = w.path("latency_ms");
            if (latency.isObject() && latency.path("p50").isNumber()) {
                double count = Math.max(1, latency.path("count").asDouble(1)) * Math.max(part, 1e-9);
                percentiles[0] += latency.path("p50").asDouble() * count;
                percentiles[1] += latency.path("p95").asDouble() * count;
                percentiles[2] += latency.path("p99").asDouble() * count;
                weight += count;
                worstP99 = max(worstP99, number(latency, "p99"));
            }
            peakConnections = max(peakConnections, number(w, "connections"));
        }
        if (input.windows().isEmpty()) {
            notes.add("no metric window overlaps the period (windows are monitor.window_seconds long and counted once complete;"
                    + " a period shorter than a window may fall inside one still open): turns, rates, latency and connections are unknown");
        } else if (gateway.isEmpty()) {
            notes.add("no gateway figures in the period: turns, turn latency and connections are unknown");
        }
        putOrNull(summary, "turns", rates ? Double.valueOf(Math.round(turns)) : null);
        putOrNull(summary, "turns_per_s", rates && covered > 0 ? round(turns / covered) : null);
        Double errorRate = null;
        if (rates) {
            errorRate = turns > 0 ? round(errors / turns * 100) : 0.0;
        }
        putOrNull(summary, "error_rate", errorRate);
        ObjectNode latency = summary.putObject("latency_ms");
        putOrNull(latency, "p50", weight > 0 ? round(percentiles[0] / weight) : null);
        putOrNull(latency, "p95", weight > 0 ? round(percentiles[1] / weight) : null);
        putOrNull(latency, "p99", weight > 0 ? round(percentiles[2] / weight) : null);
        putOrNull(latency, "worst_p99", worstP99);
        latency.put("method", "count-weighted mean of the gateway windows' percentiles (end of speech to first audio)");
        putOrNull(summary, "peak_connections", peakConnections);
        summary.put("windows", input.windows().size());
        summary.put("lag_samples", input.lag().size());
        summary.put("alerts_fired", (int) input.alertEvents().stream().filter(Report::fired).count());
        return summary;
    }

    private static ArrayNode stages(List<JsonNode> samples) {
        Map<String, List<JsonNode>> byStage = new LinkedHashMap<>();
        samples.forEach(s -> byStage.computeIfAbsent(s.path("stage").asText(), k -> new ArrayList<>()).add(s));
        ArrayNode out = JSON.arrayNode();
        byStage.keySet().stream().sorted(Report::stageOrder).forEach(stage -> {
            List<JsonNode> list = byStage.get(stage);
            ObjectNode node = out.addObject();
            node.put("stage", stage);
            node.put("samples", list.size());
            Double maxRecords = null;
            Double maxSeconds = null;
            Double maxDrain = null;
            Double maxRecommended = null;
            Double maxMembers = null;
            Set<String> seen = new LinkedHashSet<>();
            for (JsonNode s : list) {
                maxRecords = max(maxRecords, number(s, "records"));
                maxSeconds = max(maxSeconds, number(s, "seconds"));
                maxDrain = max(maxDrain, number(s, "drain_seconds"));
                maxRecommended = max(maxRecommended, number(s, "recommended_workers"));
                maxMembers = max(maxMembers, number(s, "members"));
                seen.add(s.path("state").asText("?"));
            }
            JsonNode last = list.get(list.size() - 1);
            putOrNull(node, "max_records", maxRecords);
            putOrNull(node, "max_seconds", maxSeconds);
            ArrayNode states = node.putArray("states");
            STATES.stream().filter(seen::contains).forEach(states::add);
            seen.stream().filter(s -> !STATES.contains(s)).forEach(states::add);
            node.put("last_state", last.path("state").asText("?"));
            ObjectNode recommended = node.putObject("recommended_workers");
            putOrNull(recommended, "max", maxRecommended);
            putOrNull(recommended, "last", number(last, "recommended_workers"));
            ObjectNode members = node.putObject("members");
            putOrNull(members, "max", maxMembers);
            putOrNull(members, "last", number(last, "members"));
            putOrNull(node, "max_drain_seconds", maxDrain);
        });
        return out;
    }

    private static ArrayNode services(ReportInput input) {
        Map<String, List<JsonNode>> byKey = new LinkedHashMap<>();
        input.windows().forEach(w -> byKey.computeIfAbsent(w.path("service").asText() + "\u0000" + w.path("stage").asText(""),
                k -> new ArrayList<>()).add(w));
        ArrayNode out = JSON.arrayNode();
        byKey.keySet().stream().sorted(Report::serviceOrder).forEach(key -> {
            List<JsonNode> list = byKey.get(key);
            ObjectNode node = out.addObject();
            node.put("service", list.get(0).path("service").asText());
            node.put("stage", list.get(0).path("stage").asText(""));
            node.put("windows", list.size());
            double requests = 0;
            double errors = 0;
            double seconds = 0;
            boolean rates = false;
            Double maxRate = null;
            Double worstErrorRate = null;
            Double p95 = null;
            Double p99 = null;
            Double cpu = null;
            Double systemCpu = null;
            Double memory = null;
            Double systemMemory = null;
            Double inflight = null;
            Double instances = null;
            Double limit = null;
            Double capacity = null;
            Double poolActive = null;
            Double poolPending = null;
            Double poolAcquire = null;
            boolean pool = false;
            for (JsonNode w : list) {
                double part = overlap(w, input.from(), input.to()) * (w.path("end").asLong() - w.path("start").asLong()) / 1000.0;
                Double rate = number(w, "requests_per_s");
                if (rate != null) {
                    rates = true;
                    requests += rate * part;
                    errors += orZero(number(w, "errors_per_s")) * part;
                    seconds += part;
                }
                maxRate = max(maxRate, rate);
                worstErrorRate = max(worstErrorRate, number(w, "error_rate"));
                JsonNode latency = w.path("latency_ms");
                p95 = max(p95, number(latency, "p95"));
                p99 = max(p99, number(latency, "p99"));
                cpu = max(cpu, number(w, "cpu"));
                systemCpu = max(systemCpu, number(w, "system_cpu"));
                memory = max(memory, number(w, "memory"));
                systemMemory = max(systemMemory, number(w, "system_memory"));
                inflight = max(inflight, number(w, "inflight"));
                instances = max(instances, number(w, "instances"));
                Double perProcess = number(w, "max_concurrent");
                if (perProcess != null) {
                    limit = perProcess;
                    capacity = max(capacity, perProcess * Math.max(1, w.path("instances").asInt(1)));
                }
                JsonNode p = w.path("pool");
                if (p.isObject()) {
                    pool = true;
                    poolActive = max(poolActive, number(p, "active"));
                    poolPending = max(poolPending, number(p, "pending"));
                    poolAcquire = max(poolAcquire, number(p, "acquire_p99_ms"));
                }
            }
            ObjectNode rate = node.putObject("requests_per_s");
            putOrNull(rate, "mean", rates && seconds > 0 ? round(requests / seconds) : null);
            putOrNull(rate, "max", maxRate);
            ObjectNode errorRate = node.putObject("error_rate");
            putOrNull(errorRate, "overall", rates ? (requests > 0 ? round(errors / requests * 100) : 0.0) : null);
            putOrNull(errorRate, "worst_window", worstErrorRate);
            ObjectNode latency = node.putObject("latency_ms");
            putOrNull(latency, "p95_max", p95);
            putOrNull(latency, "p99_max", p99);
            putOrNull(node, "cpu_peak", cpu);
            putOrNull(node, "system_cpu_peak", systemCpu);
            putOrNull(node, "memory_peak", memory);
            putOrNull(node, "system_memory_peak", systemMemory);
            putOrNull(node, "inflight_peak", inflight);
            putOrNull(node, "max_concurrent", limit);
            putOrNull(node, "capacity_max", capacity);
            putOrNull(node, "instances_max", instances);
            if (pool) {
                ObjectNode poolNode = node.putObject("pool");
                putOrNull(poolNode, "active_max", poolActive);
                putOrNull(poolNode, "pending_max", poolPending);
                putOrNull(poolNode, "acquire_p99_ms_max", poolAcquire);
            } else {
                node.putNull("pool");
            }
        });
        return out;
    }

    private static ObjectNode alerts(ReportInput input) {
        ObjectNode alerts = JSON.objectNode();
        alerts.put("fired", input.alertEvents().stream().filter(Report::fired).count());
        alerts.put("repeated", input.alertEvents().stream()
                .filter(e -> "firing".equals(e.path("state").asText()) && e.path("repeat").asInt(0) > 0).count());
        alerts.put("resolved", input.alertEvents().stream().filter(e -> "resolved".equals(e.path("state").asText())).count());
        alerts.put("active_at_end", input.activeAtEnd().size());
        ArrayNode events = alerts.putArray("events");
        input.alertEvents().forEach(events::add);
        ArrayNode active = alerts.putArray("active");
        input.activeAtEnd().forEach(active::add);
        return alerts;
    }

    private static boolean fired(JsonNode event) {
        return "firing".equals(event.path("state").asText()) && event.path("repeat").asInt(0) == 0;
    }

    private static int stageOrder(String a, String b) {
        List<String> order = List.of("asr", "llm", "tts", "vllm");
        int ia = order.indexOf(a) < 0 ? 99 : order.indexOf(a);
        int ib = order.indexOf(b) < 0 ? 99 : order.indexOf(b);
        return ia != ib ? Integer.compare(ia, ib) : a.compareTo(b);
    }

    private static int serviceOrder(String a, String b) {
        List<String> order = List.of("gateway", "asr-worker", "llm-worker", "tts-worker", "vllm-worker", "monitor");
        String sa = a.substring(0, a.indexOf('\u0000'));
        String sb = b.substring(0, b.indexOf('\u0000'));
        int ia = order.indexOf(sa) < 0 ? 99 : order.indexOf(sa);
        int ib = order.indexOf(sb) < 0 ? 99 : order.indexOf(sb);
        return ia != ib ? Integer.compare(ia, ib) : a.compareTo(b);
    }

    static Double number(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isNumber() ? value.asDouble() : null;
    }

    private static double orZero(Double value) {
        return value == null ? 0 : value;
    }

    private static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.max(a, b);
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** Whole numbers as integers, others as decimals, absent as null. */
    private static void putOrNull(ObjectNode node, String field, Double value) {
        if (value == null) {
            node.putNull(field);
        } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            node.put(field, (long) (double) value);
        } else {
            node.put(field, round(value));
        }
    }
}
