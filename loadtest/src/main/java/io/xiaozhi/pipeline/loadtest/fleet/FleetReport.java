package io.xiaozhi.pipeline.loadtest.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.loadtest.fleet.FleetStats.Outcome;
import java.util.List;
import java.util.Locale;

/**
 * A run's report: JSON (configuration, counts, every latency's count/mean/p50/p90/p99/max in ms,
 * frames, SLO checks, and the first-audio latency of each turn over time) and a self-contained HTML
 * page of the same with an inline SVG chart (no scripts, no network).
 */
public final class FleetReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FleetReport() {
    }

    public static ObjectNode json(Fleet.Result result, List<Slo.Check> checks) {
        FleetSettings s = result.settings();
        FleetStats stats = result.stats();
        ObjectNode root = JSON.createObjectNode();
        root.put("started_at", result.startedAt().toString());
        root.put("elapsed_s", Math.round(result.elapsed().toMillis() / 100.0) / 10.0);
        ObjectNode config = root.putObject("config");
        config.put("url", s.url().toString());
        config.put("ota", s.ota() == null ? null : s.ota().toString());
        config.put("devices", s.devices());
        config.put("protocol_version", s.protocolVersion());
        config.put("mode", s.manual() ? "manual" : "auto");
        config.put("ramp_ms", s.ramp().toMillis());
        config.put("duration_ms", s.duration().toMillis());
        config.put("turns_per_device", s.turnsPerDevice());
        config.put("think_time_ms", s.thinkTime().toMillis());
        config.put("turn_timeout_ms", s.turnTimeout().toMillis());
        config.put("silence_ms", s.silence().toMillis());
        config.put("late_threshold_ms", s.lateThreshold().toMillis());
        ObjectNode counts = root.putObject("counts");
        counts.put("turns", stats.turns());
        for (Outcome o : Outcome.values()) {
            counts.put(o.name().toLowerCase(Locale.ROOT), stats.turns(o));
        }
        counts.put("errors", stats.errors());
        counts.put("connect_failures", stats.connectFailures());
        counts.put("hello_timeouts", stats.helloTimeouts());
        counts.put("disconnects", stats.disconnects());
        counts.put("other_alerts", stats.otherAlerts());
        ObjectNode frames = root.putObject("frames");
        frames.put("received", stats.frames());
        frames.put("late", stats.lateFrames());
        frames.put("late_share", stats.lateShare());
        frames.put("malformed", stats.badFrames());
        ObjectNode latency = root.putObject("latency_ms");
        latency.set("connect", stats.connect().toJson());
        latency.set("hello", stats.hello().toJson());
        latency.set("end_of_speech_to_stt", stats.stt().toJson());
        latency.set("end_of_speech_to_first_audio", stats.firstAudio().toJson());
        latency.set("end_of_speech_to_tts_stop", stats.ttsStop().toJson());
        latency.set("end_of_speech_to_busy", stats.busy().toJson());
        latency.set("frame_gap", stats.frameGap().toJson());
        if (result.gateway() != null) {
            ObjectNode gateway = root.putObject("gateway_ms");
            gateway.set("pipeline_overhead", result.gateway().overhead().toJson());
            gateway.set("first_audio", result.gateway().firstAudio().toJson());
            ObjectNode segments = gateway.putObject("segments");
            result.gateway().segments().forEach((name, buckets) -> segments.set(name, buckets.toJson()));
        }
        ObjectNode slo = root.putObject("slo");
        slo.put("met", checks.stream().allMatch(Slo.Check::met));
        ArrayNode list = slo.putArray("checks");
        for (Slo.Check c : checks) {
            list.addObject().put("name", c.name()).put("measured", c.measured()).put("limit", c.limit()).put("met", c.met())
                    .put("by", c.met() ? null : c.by());
        }
        ArrayNode series = root.putArray("first_audio_over_time");
        for (FleetStats.Point p : stats.points()) {
            series.addArray().add(Math.round(p.atSeconds() * 1000) / 1000.0).add(Math.round(p.firstAudioMs() * 10) / 10.0);
        }
        return root;
    }

    public static String jsonText(Fleet.Result result, List<Slo.Check> checks) {
        try {
            return JSON.writeValueAsString(json(result, checks));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String html(Fleet.Result result, List<Slo.Check> checks) {
        FleetSettings s = result.settings();
        FleetStats stats = result.stats();
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>xiaozhi-pipeline load test</title><style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}")
                .append(".bad{color:#b00020;font-weight:bold}.good{color:#1b7f3b}</style></head><body>");
        h.append("<h1>Load test: ").append(s.devices()).append(" devices</h1><p>")
                .append(escape(s.url().toString())).append(", protocol v").append(s.protocolVersion()).append(", ")
                .append(s.manual() ? "manual" : "auto").append(" mode; started ").append(escape(result.startedAt().toString()))
                .append(", ran ").append(result.elapsed().toSeconds()).append(" s</p>");
        h.append("<h2>Turns</h2><table><tr>");
        for (Outcome o : Outcome.values()) {
            h.append("<th>").append(o.name().toLowerCase(Locale.ROOT)).append("</th>");
        }
        h.append("<th>connect failures</th><th>disconnects</th><th>frames</th><th>late frames</th></tr><tr>");
        for (Outcome o : Outcome.values()) {
            h.append("<td>").append(stats.turns(o)).append("</td>");
        }
        h.append("<td>").append(stats.connectFailures() + stats.helloTimeouts()).append("</td><td>").append(stats.disconnects())
                .append("</td><td>").append(stats.frames()).append("</td><td>").append(Slo.percent(stats.lateShare())).append("</td></tr></table>");
        h.append("<h2>Latency (ms)</h2><table><tr><th></th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>");
        row(h, "connect", stats.connect());
        row(h, "hello", stats.hello());
        row(h, "end of speech &rarr; stt", stats.stt());
        row(h, "end of speech &rarr; first audio", stats.firstAudio());
        row(h, "end of speech &rarr; tts stop", stats.ttsStop());
        row(h, "end of speech &rarr; busy", stats.busy());
        row(h, "gap between frames", stats.frameGap());
        h.append("</table>");
        if (result.gateway() != null) {
            h.append("<h2>As the gateways measured (ms)</h2><table><tr><th></th><th>count</th><th>p50</th><th>p95</th><th>p99</th></tr>");
            gatewayRow(h, "pipeline overhead (first audio less provider time)", result.gateway().overhead());
            gatewayRow(h, "end of speech &rarr; first audio", result.gateway().firstAudio());
            result.gateway().segments().forEach((name, buckets) -> gatewayRow(h, "&nbsp;&nbsp;segment " + escape(name), buckets));
            h.append("</table>");
        }
        if (!checks.isEmpty()) {
            h.append("<h2>SLOs</h2><ul>");
            for (Slo.Check c : checks) {
                h.append("<li class=\"").append(c.met() ? "good" : "bad").append("\">").append(escape(c.toString())).append("</li>");
            }
            h.append("</ul>");
        }
        h.append("<h2>First audio latency over time</h2>");
        chart(h, stats.points(), result.elapsed().toMillis() / 1000.0);
        return h.append("</body></html>\n").toString();
    }

    private static void gatewayRow(StringBuilder h, String name, GatewayMetrics.Buckets buckets) {
        h.append("<tr><th>").append(name).append("</th><td>").append(buckets.count()).append("</td><td>")
                .append(Math.round(buckets.quantileMs(0.5))).append("</td><td>").append(Math.round(buckets.quantileMs(0.95)))
                .append("</td><td>").append(Math.round(buckets.quantileMs(0.99))).append("</td></tr>");
    }

    private static void row(StringBuilder h, String name, Histogram histogram) {
        h.append("<tr><th>").append(name).append("</th><td>").append(histogram.count()).append("</td><td>")
                .append(histogram.percentileMs(0.5)).append("</td><td>").append(histogram.percentileMs(0.9)).append("</td><td>")
                .append(histogram.percentileMs(0.99)).append("</td><td>").append(Math.round(histogram.maxMs())).append("</td></tr>");
    }

    /** A scatter plot of each turn's first audio latency (y, ms) against its time in the run (x, s). */
    private static void chart(StringBuilder h, List<FleetStats.Point> points, double seconds) {
        int width = 900;
        int height = 320;
        int left = 60;
        int bottom = 30;
        double maxMs = points.stream().mapToDouble(FleetStats.Point::firstAudioMs).max().orElse(1000);
        double yMax = niceCeiling(Math.max(100, maxMs));
        double xMax = Math.max(1, seconds);
        int plotW = width - left - 10;
        int plotH = height - bottom - 10;
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" font-size=\"11\"><rect x=\"").append(left).append("\" y=\"10\" width=\"").append(plotW).append("\" height=\"")
                .append(plotH).append("\" fill=\"#fafafa\" stroke=\"#999\"/>");
        for (int i = 0; i <= 4; i++) {
            double ms = yMax * i / 4;
            double y = 10 + plotH - plotH * i / 4.0;
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, left + plotW, y, y));
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f ms</text>", left - 4, y + 4, ms));
            double sec = xMax * i / 4;
            double x = left + plotW * i / 4.0;
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f s</text>", x, height - 10, sec));
        }
        for (FleetStats.Point p : points) {
            double x = left + plotW * Math.min(1, p.atSeconds() / xMax);
            double y = 10 + plotH - plotH * Math.min(1, p.firstAudioMs() / yMax);
            h.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1565c0\" fill-opacity=\"0.6\"/>", x, y));
        }
        h.append("</svg>");
        if (points.isEmpty()) {
            h.append("<p>No turn received audio.</p>");
        }
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
