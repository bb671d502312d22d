package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Gathers what a report needs from a running monitor's API.
 *
 * <p>Live ({@link #live}): polls {@code /api/lag}, {@code /api/metrics} and {@code /api/alerts} at
 * the start, every {@code interval} and once more at the end of the duration (lag samples kept by
 * stage and timestamp, windows by service, stage and start, the newest version winning), then reads
 * {@code /api/history} for the period, which completes windows and lag samples a poll missed. The
 * first poll must succeed (else {@link MonitorUnreachableException}); later failed polls are
 * counted and noted in the report.
 *
 * <p>Past range ({@link #range}): one {@code /api/history} read for the range and the monitor's
 * recent alert events (at most {@value #ALERT_EVENTS}); the alerts active at the end of the range
 * are those whose last event up to then was a firing one.
 */
public final class ReportCollector {

    static final int ALERT_EVENTS = 1000;

    /** Waits; tests may pass one that does not. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final MonitorClient client;
    private final LongSupplier clock;
    private final Sleeper sleeper;

    public ReportCollector(MonitorClient client, LongSupplier clock, Sleeper sleeper) {
        this.client = client;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** Collects for {@code duration}, polling every {@code interval}. */
    public ReportInput live(Duration duration, Duration interval) throws MonitorUnreachableException, InterruptedException {
        Accumulator acc = new Accumulator();
        long from = clock.getAsLong();
        long end = from + duration.toMillis();
        acc.poll(client);
        int polls = 1;
        int failed = 0;
        String lastFailure = null;
        long next = from;
        while (next < end) {
            next = Math.min(end, next + interval.toMillis());
            long wait = next - clock.getAsLong();
            if (wait > 0) {
                sleeper.sleep(wait);
            }
            try {
                acc.poll(client);
                polls++;
            } catch (MonitorUnreachableException e) {
                failed++;
                lastFailure = e.getMessage();
            }
        }
        long to = Math.max(end, clock.getAsLong());
        List<String> notes = new ArrayList<>();
        if (failed > 0) {
            notes.add(failed + " of " + (polls + failed) + " polls failed (last: " + lastFailure + ")");
        }
        try {
            JsonNode history = client.history(from, to);
            history.path("windows").forEach(acc::window);
            history.path("lag").forEach(acc::lag);
        } catch (MonitorUnreachableException e) {
            notes.add("the history of the period could not be read, so the report holds only what the polls saw: " + e.getMessage());
        }
        List<JsonNode> events = acc.events(from, to);
        return new ReportInput("live", client.base().toString(), from, to, acc.lagSamples(from, to), acc.windows(from, to),
                events, acc.active, polls, notes);
    }

    /** Reads a past range from the monitor's history; {@code from} and {@code to} are epoch ms. */
    public ReportInput range(long from, long to) throws MonitorUnreachableException {
        Accumulator acc = new Accumulator();
        JsonNode history = client.history(from, to);
        long actualFrom = history.path("from").asLong(from);
        long actualTo = history.path("to").asLong(to);
        List<String> notes = new ArrayList<>();
        if (history.path("clamped").asBoolean(false)) {
            notes.add(history.path("note").asText("the range was shortened to the kept history"));
        }
        history.path("windows").forEach(acc::window);
        history.path("lag").forEach(acc::lag);
        JsonNode lagSince = history.path("lag_since");
        if (!lagSince.isNumber() || lagSince.asLong() > actualFrom) {
            notes.add(lagSince.isNumber()
                    ? "lag samples are kept in the monitor's memory since " + Instant.ofEpochMilli(lagSince.asLong())
                    + "; the period's earlier lag is not known"
                    : "the monitor holds no lag samples for this period (they are kept in its memory since it started)");
        }
        JsonNode alerts = client.alerts(ALERT_EVENTS);
        alerts.path("recent").forEach(acc::event);
        if (alerts.path("recent").size() >= ALERT_EVENTS) {
            long oldest = Long.MAX_VALUE;
            for (JsonNode event : alerts.path("recent")) {
                oldest = Math.min(oldest, event.path("timestamp").asLong(Long.MAX_VALUE));
            }
            if (oldest > actualFrom) {
                notes.add("alert events before " + Instant.ofEpochMilli(oldest) + " are beyond the monitor's "
                        + ALERT_EVENTS + " most recent and not counted");
            }
        }
        List<JsonNode> events = acc.events(actualFrom, actualTo);
        return new ReportInput("history", client.base().toString(), actualFrom, actualTo, acc.lagSamples(actualFrom, actualTo),
                acc.windows(actualFrom, actualTo), events, activeAt(acc.allEvents(), actualTo), 0, notes);
    }

    /** The alerts whose last event at or before {@code at} was a firing one. */
    static List<JsonNode> activeAt(List<JsonNode> events, long at) {
        Map<String, JsonNode> last = new LinkedHashMap<>();
        events.stream().filter(e -> e.path("timestamp").asLong() <= at)
                .sorted(Comparator.comparingLong(e -> e.path("timestamp").asLong()))
                .forEach(e -> last.put(e.path("id").asText(), e));
        return last.values().stream().filter(e -> "firing".equals(e.path("state").asText())).toList();
    }

    /** What the polls have seen, without duplicates. */
    private static final class Accumulator {
        private final Map<String, JsonNode> lag = new LinkedHashMap<>();
        private final Map<String, JsonNode> windows = new LinkedHashMap<>();
        private final Map<String, JsonNode> events = new LinkedHashMap<>();
        private List<JsonNode> active = List.of();

        void poll(MonitorClient client) throws MonitorUnreachableException {
            JsonNode lagAnswer = client.lag();
            JsonNode metrics = client.metrics();
            JsonNode alerts = client.alerts(ALERT_EVENTS);
            lagAnswer.path("stages").forEach(this::lag);
            metrics.path("windows").forEach(this::window);
            alerts.path("recent").forEach(this::event);
            List<JsonNode> nowActive = new ArrayList<>();
            alerts.path("active").forEach(nowActive::add);
            active = nowActive;
        }

        void lag(JsonNode stage) {
            if (stage.path("stage").isTextual() && stage.path("timestamp").isNumber()) {
                lag.put(stage.get("stage").asText() + "@" + stage.get("timestamp").asLong(), compact(stage));
            }
        }

        void window(JsonNode window) {
            if (window.path("service").isTextual() && window.path("start").isNumber() && window.path("end").isNumber()) {
                windows.put(window.get("service").asText() + "/" + window.path("stage").asText("") + "@" + window.get("start").asLong(), window);
            }
        }

        void event(JsonNode event) {
            if (event.path("id").isTextual() && event.path("timestamp").isNumber()) {
                events.put(event.get("id").asText() + "@" + event.get("timestamp").asLong() + "/" + event.path("state").asText()
                        + "/" + event.path("repeat").asInt(0), event);
            }
        }

        List<JsonNode> lagSamples(long from, long to) {
            return lag.values().stream().filter(s -> s.get("timestamp").asLong() >= from && s.get("timestamp").asLong() <= to)
                    .sorted(Comparator.comparingLong(s -> s.get("timestamp").asLong())).toList();
        }

        List<JsonNode> windows(long from, long to) {
            return windows.values().stream().filter(w -> w.get("end").asLong() > from && w.get("start").asLong() < to)
                    .sorted(Comparator.comparingLong(w -> w.get("start").asLong())).toList();
        }

        List<JsonNode> events(long from, long to) {
            return allEvents().stream().filter(e -> e.get("timestamp").asLong() >= from && e.get("timestamp").asLong() <= to).toList();
        }

        List<JsonNode> allEvents() {
            return events.values().stream().sorted(Comparator.comparingLong(e -> e.get("timestamp").asLong())).toList();
        }

        /** The StageLag fields a report uses (partitions and configuration left out). */
        private static JsonNode compact(JsonNode stage) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            for (String field : List.of("stage", "timestamp", "records", "seconds", "state", "members", "recommended_workers",
                    "drain_seconds", "drain_rate", "arrival_rate")) {
                if (stage.has(field)) {
                    node.set(field, stage.get(field));
                }
            }
            return node;
        }
    }
}
