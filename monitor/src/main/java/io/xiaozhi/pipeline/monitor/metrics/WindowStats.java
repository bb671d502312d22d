package io.xiaozhi.pipeline.monitor.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One (service, stage) over one window: the value on {@code xiaozhi.metrics.windows}, what
 * {@code /api/metrics} (latest per key) and {@code /api/history} list. The JSON is the monitor's
 * shared WindowStats shape, with three additions: {@code latency_ms.mean}, {@code disk} (percent) and
 * {@code network} (bytes per second), and {@code pool.acquire_mean_ms}.
 *
 * <ul>
 *   <li>Rates are per second: for each instance, its increases over the time they cover (the sum of
 *       the intervals between its snapshots in this window), summed over instances. An instance
 *       seen only as a baseline adds nothing to the rates.</li>
 *   <li>{@code error_rate} is failed over finished requests in percent; 0 when nothing finished.</li>
 *   <li>Latency percentiles come from the merged bucket increases of all instances
 *       ({@link Histogram#percentile}); null when nothing finished in the window.</li>
 *   <li>{@code inflight} and {@code connections} sum each instance's latest gauge; CPU, memory and
 *       disk are each instance's latest reading, the maximum over instances, in percent
 *       ({@code memory}: heap used over heap max); network is the maximum over instances (the
 *       figures are the host's, and instances may share a host), null when no instance moved a byte.</li>
 *   <li>{@code pool} sums HikariCP's gauges; {@code acquire_p99_ms} needs a histogram on
 *       {@code hikaricp.connections.acquire} and is null without one.</li>
 * </ul>
 */
@JsonPropertyOrder({"service", "stage", "start", "end", "instances", "requests_per_s", "errors_per_s", "error_rate", "latency_ms",
        "inflight", "max_concurrent", "connections", "cpu", "system_cpu", "memory", "system_memory", "disk", "network", "pool"})
public record WindowStats(
        String service,
        String stage,
        long start,
        long end,
        int instances,
        @JsonProperty("requests_per_s") double requestsPerS,
        @JsonProperty("errors_per_s") double errorsPerS,
        @JsonProperty("error_rate") double errorRate,
        @JsonProperty("latency_ms") Latency latencyMs,
        Long inflight,
        @JsonProperty("max_concurrent") Integer maxConcurrent,
        Long connections,
        Double cpu,
        @JsonProperty("system_cpu") Double systemCpu,
        Double memory,
        @JsonProperty("system_memory") Double systemMemory,
        Double disk,
        Network network,
        Pool pool) {

    /** Percentiles and mean in milliseconds over the {@code count} requests finished in the window. */
    @JsonPropertyOrder({"p50", "p95", "p99", "count", "mean"})
    public record Latency(Double p50, Double p95, Double p99, long count, Double mean) {
    }

    /** Bytes per second received and sent by the host. */
    public record Network(@JsonProperty("received_bytes_per_s") double receivedBytesPerS,
                          @JsonProperty("sent_bytes_per_s") double sentBytesPerS) {
    }

    /** Database pool connections, and the time to acquire one. */
    @JsonPropertyOrder({"active", "idle", "pending", "acquire_p99_ms", "acquire_mean_ms"})
    public record Pool(long active, long idle, long pending, @JsonProperty("acquire_p99_ms") Double acquireP99Ms,
                       @JsonProperty("acquire_mean_ms") Double acquireMeanMs) {
    }

    /** The key of a (service, stage): {@code service}, or {@code service/stage}. */
    public static String key(String service, String stage) {
        return stage == null || stage.isEmpty() ? service : service + "/" + stage;
    }

    public String key() {
        return key(service, stage);
    }

    /** The stage runtime's stage of this window, when the stage is one of the pipeline's. */
    public Optional<Stage> pipelineStage() {
        return pipelineStage(stage);
    }

    static Optional<Stage> pipelineStage(String id) {
        return Arrays.stream(Stage.values()).filter(s -> s.id().equals(id)).findFirst();
    }

    /** The stats of window [{@code start}, {@code end}) from its aggregate; {@code limits} give {@code max_concurrent}. */
    public static WindowStats of(long start, long end, WindowAccumulator window, PerformanceConfig.AiProviders limits) {
        Collection<WindowAccumulator.InstancePart> parts = window.instances().values();
        double requestsPerS = 0;
        double errorsPerS = 0;
        double requests = 0;
        double errors = 0;
        double received = 0;
        double sent = 0;
        boolean network = false;
        Histogram latency = Histogram.EMPTY;
        Histogram acquire = Histogram.EMPTY;
        Double inflight = null;
        Double connections = null;
        Double cpu = null;
        Double systemCpu = null;
        Double memory = null;
        Double systemMemory = null;
        Double disk = null;
        boolean pool = false;
        double active = 0;
        double idle = 0;
        double pending = 0;
        for (WindowAccumulator.InstancePart part : parts) {
            if (part.intervalMs() > 0) {
                double seconds = part.intervalMs() / 1000.0;
                requestsPerS += part.requests() / seconds;
                errorsPerS += part.errors() / seconds;
                received = Math.max(received, part.networkReceived() / seconds);
                sent = Math.max(sent, part.networkSent() / seconds);
            }
            requests += part.requests();
            errors += part.errors();
            latency = latency.plus(part.latency());
            acquire = acquire.plus(part.acquire());
            Contribution latest = part.latest();
            inflight = sum(inflight, latest.inflight());
            connections = sum(connections, latest.connections());
            cpu = max(cpu, latest.cpu());
            systemCpu = max(systemCpu, latest.systemCpu());
            memory = max(memory, latest.memory());
            systemMemory = max(systemMemory, latest.systemMemory());
            disk = max(disk, latest.disk());
            network |= part.networkReceived() > 0 || part.networkSent() > 0;
            if (latest.pool() != null) {
                pool = true;
                active += latest.pool().active();
                idle += latest.pool().idle();
                pending += latest.pool().pending();
            }
        }
        Integer maxConcurrent = pipelineStage(window.stage()).map(s -> limits.of(s).maxConcurrent()).orElse(null);
        return new WindowStats(window.service(), Objects.requireNonNullElse(window.stage(), ""), start, end, parts.size(),
                round(requestsPerS), round(errorsPerS), requests > 0 ? round(100 * Math.min(errors, requests) / requests) : 0,
                new Latency(round(latency.percentile(0.50)), round(latency.percentile(0.95)), round(latency.percentile(0.99)),
                        latency.count(), round(latency.meanMs())),
                whole(inflight), maxConcurrent, whole(connections), percent(cpu), percent(systemCpu), percent(memory),
                percent(systemMemory), percent(disk), network ? new Network(round(received), round(sent)) : null,
                pool ? new Pool(Math.round(active), Math.round(idle), Math.round(pending), round(acquire.percentile(0.99)),
                        round(acquire.meanMs())) : null);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "WindowStats[%s %d..%d instances=%d requests/s=%.3f errors=%.1f%% p95=%s]",
                key(), start, end, instances, requestsPerS, errorRate, latencyMs == null ? null : latencyMs.p95());
    }

    private static Double sum(Double a, Double b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a + b;
    }

    private static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.max(a, b);
    }

    private static Long whole(Double value) {
        return value == null ? null : Math.round(value);
    }

    private static Double percent(Double share) {
        return share == null ? null : round(share * 100);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static Double round(Double value) {
        return value == null ? null : round(value.doubleValue());
    }
}
