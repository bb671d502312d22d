package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xiaozhi.pipeline.monitor.api.DashboardAssets;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a {@link Report} as JSON, Markdown or a self-contained HTML page, chosen by the output
 * file's extension ({@code .json}, {@code .md}, {@code .html}/{@code .htm}). The HTML page carries
 * the report's figures, the vendored chart library and the chart code inline, so it opens anywhere
 * without a network. Times are UTC.
 */
public final class ReportWriter {

    /** The formats, by extension. */
    public enum Format {
        JSON, MARKDOWN, HTML;

        /** The format for {@code file}'s extension. @throws UsageException for any other extension */
        public static Format of(Path file) {
            String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".json")) {
                return JSON;
            }
            if (name.endsWith(".md")) {
                return MARKDOWN;
            }
            if (name.endsWith(".html") || name.endsWith(".htm")) {
                return HTML;
            }
            throw new UsageException("--output: " + file + " must end in .json, .md or .html (the format is chosen by the extension)");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z_]+)}}");

    private ReportWriter() {
    }

    public static void write(JsonNode report, Path file) throws IOException {
        String text = switch (Format.of(file)) {
            case JSON -> json(report);
            case MARKDOWN -> markdown(report);
            case HTML -> html(report);
        };
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static String json(JsonNode report) throws JsonProcessingException {
        return JSON.writeValueAsString(report) + "\n";
    }

    // ---------------------------------------------------------------- Markdown

    static String markdown(JsonNode report) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(report.path("title").asText()).append("\n\n");
        md.append(periodLine(report)).append("\n\n");
        md.append("## Summary\n\n");
        table(md, summaryTable(report));
        md.append("## Lag per stage\n\n");
        table(md, stageTable(report));
        md.append("## Services\n\n");
        table(md, serviceTable(report));
        md.append("## Alerts\n\n");
        JsonNode alerts = report.path("alerts");
        md.append(alertCounts(alerts)).append("\n\n");
        table(md, alertTable(alerts.path("events")));
        if (alerts.path("active").size() > 0) {
            md.append("Active at the end of the period:\n\n");
            for (JsonNode alert : alerts.path("active")) {
                md.append("- ").append(alert.path("severity").asText()).append(": ").append(cell(alert.path("message").asText())).append('\n');
            }
            md.append('\n');
        }
        if (report.path("notes").size() > 0) {
            md.append("## Notes\n\n");
            report.path("notes").forEach(note -> md.append("- ").append(note.asText()).append('\n'));
            md.append('\n');
        }
        return md.toString();
    }

    private static void table(StringBuilder md, List<List<String>> rows) {
        if (rows.size() <= 1) {
            md.append("(none)\n\n");
            return;
        }
        for (int r = 0; r < rows.size(); r++) {
            md.append('|');
            rows.get(r).forEach(c -> md.append(' ').append(cell(c)).append(" |"));
            md.append('\n');
            if (r == 0) {
                md.append('|');
                rows.get(0).forEach(c -> md.append(" --- |"));
                md.append('\n');
            }
        }
        md.append('\n');
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    // ---------------------------------------------------------------- tables shared by Markdown and HTML

    static String periodLine(JsonNode report) {
        JsonNode period = report.path("period");
        String how = "live".equals(report.path("source").asText())
                ? "collected live from " + report.path("monitor").asText() + " (" + report.path("polls").asInt() + " polls)"
                : "read from the history of " + report.path("monitor").asText();
        return "Period: " + time(period.path("from").asLong()) + " to " + time(period.path("to").asLong()) + " ("
                + number(period.path("seconds")) + " s), " + how + "; generated " + time(report.path("generated").asLong()) + ".";
    }

    static List<List<String>> summaryTable(JsonNode report) {
        JsonNode s = report.path("summary");
        JsonNode latency = s.path("latency_ms");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("turns", "turns/s", "error rate %", "latency p50 ms", "p95 ms", "p99 ms", "worst p99 ms", "peak connections",
                "alerts fired"));
        rows.add(List.of(number(s.path("turns")), number(s.path("turns_per_s")), number(s.path("error_rate")), number(latency.path("p50")),
                number(latency.path("p95")), number(latency.path("p99")), number(latency.path("worst_p99")),
                number(s.path("peak_connections")), number(s.path("alerts_fired"))));
        return rows;
    }

    static List<List<String>> stageTable(JsonNode report) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("stage", "samples", "max records", "max seconds", "states seen", "last state", "recommended (max / last)",
                "members (max / last)", "longest drain s"));
        for (JsonNode st : report.path("stages")) {
            List<String> states = new ArrayList<>();
            st.path("states").forEach(state -> states.add(state.asText()));
            rows.add(List.of(st.path("stage").asText(), number(st.path("samples")), number(st.path("max_records")),
                    number(st.path("max_seconds")), String.join(", ", states), st.path("last_state").asText(),
                    number(st.path("recommended_workers").path("max")) + " / " + number(st.path("recommended_workers").path("last")),
                    number(st.path("members").path("max")) + " / " + number(st.path("members").path("last")),
                    number(st.path("max_drain_seconds"))));
        }
        return rows;
    }

    static List<List<String>> serviceTable(JsonNode report) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("service", "stage", "windows", "req/s mean", "req/s max", "error rate %", "worst window %", "p95 max ms",
                "p99 max ms", "CPU peak %", "system CPU %", "heap peak %", "system memory %", "in flight peak", "capacity",
                "pool active / pending", "pool acquire p99 ms"));
        for (JsonNode sv : report.path("services")) {
            JsonNode pool = sv.path("pool");
            rows.add(List.of(sv.path("service").asText(), sv.path("stage").asText().isEmpty() ? "-" : sv.path("stage").asText(),
                    number(sv.path("windows")), number(sv.path("requests_per_s").path("mean")), number(sv.path("requests_per_s").path("max")),
                    number(sv.path("error_rate").path("overall")), number(sv.path("error_rate").path("worst_window")),
                    number(sv.path("latency_ms").path("p95_max")), number(sv.path("latency_ms").path("p99_max")),
                    number(sv.path("cpu_peak")), number(sv.path("system_cpu_peak")), number(sv.path("memory_peak")),
                    number(sv.path("system_memory_peak")), number(sv.path("inflight_peak")), number(sv.path("capacity_max")),
                    pool.isObject() ? number(pool.path("active_max")) + " / " + number(pool.path("pending_max")) : "-",
                    pool.isObject() ? number(pool.path("acquire_p99_ms_max")) : "-"));
        }
        return rows;
    }

    static String alertCounts(JsonNode alerts) {
        return "Fired: " + alerts.path("fired").asLong() + ", repeated: " + alerts.path("repeated").asLong() + ", resolved: "
                + alerts.path("resolved").asLong() + ", active at the end: " + alerts.path("active_at_end").asLong() + ".";
    }

    static List<List<String>> alertTable(JsonNode events) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("time", "event", "severity", "rule", "subject", "value", "threshold", "message"));
        for (JsonNode e : events) {
            String event = "resolved".equals(e.path("state").asText()) ? "resolved"
                    : e.path("repeat").asInt(0) > 0 ? "repeated (" + e.path("repeat").asInt() + ")" : "fired";
            rows.add(List.of(time(e.path("timestamp").asLong()), event, e.path("severity").asText(), e.path("rule").asText(),
                    e.path("subject").asText(), number(e.path("value")), number(e.path("threshold")), e.path("message").asText()));
        }
        return rows;
    }

    static String time(long millis) {
        return Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String number(JsonNode value) {
        if (value == null || !value.isNumber()) {
            return "-";
        }
        double v = value.asDouble();
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    // ---------------------------------------------------------------- HTML

    static String html(JsonNode report) throws JsonProcessingException {
        StringBuilder body = new StringBuilder();
        body.append("<h1>").append(escape(report.path("title").asText())).append("</h1>\n");
        body.append("<p class=\"period\">").append(escape(periodLine(report))).append("</p>\n");
        body.append("<h2 id=\"summary\">Summary</h2>\n<div class=\"figures\">\n");
        List<List<String>> summary = summaryTable(report);
        for (int c = 0; c < summary.get(0).size(); c++) {
            body.append("<div class=\"figure\"><div class=\"label\">").append(escape(summary.get(0).get(c)))
                    .append("</div><div class=\"value\">").append(escape(summary.get(1).get(c))).append("</div></div>\n");
        }
        body.append("</div>\n");
        body.append("<h2 id=\"charts\">Charts</h2>\n<div class=\"charts\">\n");
        for (String[] chart : new String[][] {
                {"lag-seconds", "Lag in seconds per stage"}, {"lag-records", "Lag in records per stage"},
                {"workers", "Recommended workers against members"}, {"inflight", "In flight against the limit"},
                {"latency", "Turn latency (ms)"}, {"connections", "Device connections"},
                {"errors", "Error rate per service (%)"}, {"cpu", "Process CPU per service (%)"}, {"memory", "Heap memory per service (%)"}}) {
            body.append("<section class=\"card\"><h3>").append(chart[1]).append("</h3><div class=\"chart\" id=\"chart-")
                    .append(chart[0]).append("\"></div></section>\n");
        }
        body.append("</div>\n");
        body.append("<h2 id=\"stages\">Lag per stage</h2>\n");
        htmlTable(body, stageTable(report), 4);
        body.append("<h2 id=\"services\">Services</h2>\n");
        htmlTable(body, serviceTable(report), -1);
        body.append("<h2 id=\"alerts\">Alerts</h2>\n<p>").append(escape(alertCounts(report.path("alerts")))).append("</p>\n");
        htmlTable(body, alertTable(report.path("alerts").path("events")), 7);
        if (report.path("notes").size() > 0) {
            body.append("<h2 id=\"notes\">Notes</h2>\n<ul class=\"notes\">\n");
            report.path("notes").forEach(note -> body.append("<li>").append(escape(note.asText())).append("</li>\n"));
            body.append("</ul>\n");
        }
        String data = new ObjectMapper().writeValueAsString(report).replace("<", "\\u003c").replace(">", "\\u003e")
                .replace("&", "\\u0026");
        Map<String, String> parts = Map.of(
                "TITLE", escape(report.path("title").asText() + " " + time(report.path("period").path("from").asLong())),
                "UPLOT_CSS", DashboardAssets.text("vendor/uPlot.min.css"),
                "STYLE", resource("report.css"),
                "BODY", body.toString(),
                "DATA", data,
                "UPLOT_JS", DashboardAssets.text("vendor/uPlot.iife.min.js"),
                "CHARTS_JS", DashboardAssets.text("charts.js"),
                "REPORT_JS", resource("report.js"));
        Matcher m = PLACEHOLDER.matcher(resource("report.html"));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(parts.get(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A table; cells of column {@code textColumn} (and the first) are left-aligned text, states and severities coloured. */
    private static void htmlTable(StringBuilder html, List<List<String>> rows, int textColumn) {
        if (rows.size() <= 1) {
            html.append("<p>(none)</p>\n");
            return;
        }
        html.append("<div class=\"table\"><table>\n<tr>");
        for (int c = 0; c < rows.get(0).size(); c++) {
            html.append("<th").append(c == 0 || c == textColumn ? " class=\"text\"" : "").append('>').append(escape(rows.get(0).get(c))).append("</th>");
        }
        html.append("</tr>\n");
        for (List<String> row : rows.subList(1, rows.size())) {
            html.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                String value = row.get(c);
                String cls = c == 0 || c == textColumn ? "text" : "";
                if (value.matches("OK|WARN|STALL|STOP")) {
                    cls += " state-" + value;
                } else if (value.equals("critical") || value.equals("warning")) {
                    cls += " sev-" + value;
                } else if (value.equals("resolved")) {
                    cls += " state-resolved";
                }
                html.append("<td").append(cls.isBlank() ? "" : " class=\"" + cls.trim() + "\"").append('>').append(escape(value)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table></div>\n");
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String resource(String name) {
        try (InputStream in = ReportWriter.class.getResourceAsStream("/report/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the report file " + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
