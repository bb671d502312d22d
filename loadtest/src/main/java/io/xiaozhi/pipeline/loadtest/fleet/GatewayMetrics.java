package io.xiaozhi.pipeline.loadtest.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateways' own view of a run, from their Prometheus {@code /metrics}: read before and after, the
 * difference of a histogram's buckets (summed over the gateways and their label sets) gives the run's
 * distribution. Used for {@code xiaozhi.gateway.turn.overhead}, the pipeline's own share of each
 * turn's first-audio latency, which the gateways alone can tell (they know what the providers took),
 * and for {@code xiaozhi.gateway.turn.segment}, where that latency went stage by stage.
 * Percentiles are interpolated within the bucket they fall in, so they are as fine as the buckets
 * (Micrometer's, about 10 % apart).
 */
public final class GatewayMetrics {

    /** The overhead histogram as Prometheus names it. */
    public static final String OVERHEAD = "xiaozhi_gateway_turn_overhead_seconds";
    /** The gateways' first-audio histogram, for comparison with what the devices measured. */
    public static final String FIRST_AUDIO = "xiaozhi_gateway_turn_first_audio_seconds";
    /** Where the time to first audio went, one histogram per {@code segment} label. */
    public static final String SEGMENT = "xiaozhi_gateway_turn_segment_seconds";
    /** The segments in the order a turn passes them. */
    public static final List<String> SEGMENTS = List.of("to_asr", "asr", "to_llm", "llm", "to_tts", "tts", "to_gateway", "gateway");

    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Cumulative bucket counts by upper bound in seconds ({@code +Inf} as infinity). */
    public record Buckets(TreeMap<Double, Double> cumulative) {

        public static Buckets empty() {
            return new Buckets(new TreeMap<>());
        }

        /** The buckets of {@code metric} in a Prometheus text exposition, summed over label sets. */
        public static Buckets parse(String exposition, String metric) {
            return parse(exposition, metric, null);
        }

        /** As {@link #parse(String, String)}, over the label sets that hold {@code label} (e.g. {@code segment="asr"}) only. */
        public static Buckets parse(String exposition, String metric, String label) {
            TreeMap<Double, Double> sums = new TreeMap<>();
            String prefix = metric + "_bucket{";
            for (String line : exposition.split("\n")) {
                if (!line.startsWith(prefix) || (label != null && !line.contains(label))) {
                    continue;
                }
                int close = line.lastIndexOf('}');
                Matcher le = LE.matcher(line);
                if (close < 0 || !le.find()) {
                    throw new IllegalArgumentException("a bucket line without le=\"...\": " + abbreviate(line));
                }
                double bound = le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
                String[] rest = line.substring(close + 1).trim().split("\\s+");
                double value;
                try {
                    value = Double.parseDouble(rest[0]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("a bucket line without a number: " + abbreviate(line), e);
                }
                sums.merge(bound, value, Double::sum);
            }
            return new Buckets(sums);
        }

        public Buckets plus(Buckets other) {
            TreeMap<Double, Double> sum = new TreeMap<>(cumulative);
            other.cumulative.forEach((bound, count) -> sum.merge(bound, count, Double::sum));
            return new Buckets(sum);
        }

        /** This minus {@code before}: what was recorded in between. */
        public Buckets since(Buckets before) {
            TreeMap<Double, Double> delta = new TreeMap<>();
            cumulative.forEach((bound, count) -> delta.put(bound, count - before.cumulative.getOrDefault(bound, 0.0)));
            return new Buckets(delta);
        }

        public long count() {
            return cumulative.isEmpty() ? 0 : Math.round(cumulative.lastEntry().getValue());
        }

        /**
         * The {@code q} quantile in milliseconds, interpolated linearly within its bucket; -1 without
         * observations. A quantile in the open-ended bucket is reported as the largest finite bound.
         */
        public double quantileMs(double q) {
            long total = count();
            if (total == 0) {
                return -1;
            }
            double rank = q * total;
            double lowerBound = 0;
            double lowerCount = 0;
            for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
                if (e.getValue() >= rank && e.getValue() > lowerCount) {
                    if (e.getKey().isInfinite()) {
                        return lowerBound * 1000;
                    }
                    double share = (rank - lowerCount) / (e.getValue() - lowerCount);
                    return (lowerBound + share * (e.getKey() - lowerBound)) * 1000;
                }
                if (!e.getKey().isInfinite()) {
                    lowerBound = e.getKey();
                }
                lowerCount = e.getValue();
            }
            return lowerBound * 1000;
        }

        public ObjectNode toJson() {
            ObjectNode node = JSON.createObjectNode();
            node.put("count", count());
            node.put("p50", Math.round(quantileMs(0.5)));
            node.put("p95", Math.round(quantileMs(0.95)));
            node.put("p99", Math.round(quantileMs(0.99)));
            return node;
        }
    }

    /** What the gateways recorded during a run; {@code segments} by name, in {@link #SEGMENTS} order. */
    public record Delta(Buckets overhead, Buckets firstAudio, Map<String, Buckets> segments) {
    }

    private final List<URI> endpoints;
    private final HttpClient client;
    private Buckets overheadBefore = Buckets.empty();
    private Buckets firstAudioBefore = Buckets.empty();
    private Map<String, Buckets> segmentsBefore = Map.of();

    public GatewayMetrics(List<URI> endpoints, HttpClient client) {
        this.endpoints = List.copyOf(endpoints);
        this.client = client;
    }

    /** Reads the gateways' histograms as they stand before the run. */
    public void before() throws IOException, InterruptedException {
        List<String> pages = fetch();
        overheadBefore = sum(pages, OVERHEAD, null);
        firstAudioBefore = sum(pages, FIRST_AUDIO, null);
        segmentsBefore = segments(pages);
    }

    /** What was recorded since {@link #before()}. */
    public Delta after() throws IOException, InterruptedException {
        List<String> pages = fetch();
        Map<String, Buckets> segments = new LinkedHashMap<>();
        segments(pages).forEach((name, buckets) -> segments.put(name, buckets.since(segmentsBefore.getOrDefault(name, Buckets.empty()))));
        return new Delta(sum(pages, OVERHEAD, null).since(overheadBefore), sum(pages, FIRST_AUDIO, null).since(firstAudioBefore), segments);
    }

    private static Map<String, Buckets> segments(List<String> pages) {
        Map<String, Buckets> segments = new LinkedHashMap<>();
        for (String name : SEGMENTS) {
            segments.put(name, sum(pages, SEGMENT, "segment=\"" + name + "\""));
        }
        return segments;
    }

    private static Buckets sum(List<String> pages, String metric, String label) {
        Buckets total = Buckets.empty();
        for (String page : pages) {
            total = total.plus(Buckets.parse(page, metric, label));
        }
        return total;
    }

    private List<String> fetch() throws IOException, InterruptedException {
        List<String> pages = new ArrayList<>();
        for (URI endpoint : endpoints) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("gateway metrics " + endpoint + " answered " + response.statusCode());
            }
            pages.add(response.body());
        }
        return pages;
    }

    private static String abbreviate(String line) {
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }
}
