package io.xiaozhi.pipeline.monitor.metrics;

import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one snapshot that windows are made of, still cumulative where the meters are
 * (counters, timers): per stage of the stage runtime, the gateway's turns and connections, the
 * host's CPU, memory, disk and network, and the database pool. Kept per instance in the topology's
 * state so the next snapshot can be differenced against it ({@link Contribution#between}).
 *
 * @param startTimeMs {@code process.start.time} (epoch ms), null when the snapshot lacks it
 * @param uptimeMs {@code process.uptime}, null when the snapshot lacks it
 * @param gateway null when the service has no {@code xiaozhi.gateway.*} meters
 * @param pool null when the service has no {@code hikaricp.*} meters
 */
public record InstanceSample(String service, String instance, long timestamp, Double startTimeMs, Double uptimeMs,
                             Map<String, StageFigures> stages, GatewayFigures gateway, HostFigures host, PoolFigures pool) {

    public InstanceSample {
        stages = Map.copyOf(stages);
    }

    /** One stage's runtime meters: finished requests by outcome, processing time, in flight. */
    public record StageFigures(double completed, double deadLetters, double expired, Histogram processing, Double inflight) {
    }

    /** The gateway's turns by outcome, its turn latency (end of speech to first reply packet) and open connections. */
    public record GatewayFigures(double published, double busy, double timedOut, double failed, Histogram firstAudio, Double connections) {
    }

    /** CPU and memory shares (0..1), heap bytes, and network byte counters of the host (cumulative). */
    public record HostFigures(Double processCpu, Double systemCpu, Double heapUsed, Double heapMax, Double systemMemory,
                              Double disk, Double networkReceived, Double networkSent) {

        /** Heap in use over the heap's maximum (0..1), or null when either is unknown. */
        public Double heap() {
            return heapUsed != null && heapMax != null && heapMax > 0 ? heapUsed / heapMax : null;
        }
    }

    /** HikariCP connections (summed over pools) and the cumulative acquire timer. */
    public record PoolFigures(double active, double idle, double pending, Histogram acquire) {
    }

    public String source() {
        return service + "/" + instance;
    }

    /** The figures of {@code snapshot}; meters the monitor does not use are passed over. */
    public static InstanceSample of(MetricSnapshot snapshot) {
        Map<String, StageBuilder> stages = new TreeMap<>();
        boolean gatewaySeen = false;
        double published = 0;
        double busy = 0;
        double timedOut = 0;
        double failed = 0;
        Histogram firstAudio = Histogram.EMPTY;
        Double connections = null;
        boolean poolSeen = false;
        double active = 0;
        double idle = 0;
        double pending = 0;
        Histogram acquire = Histogram.EMPTY;
        Double processCpu = null;
        Double systemCpu = null;
        Double heapUsed = null;
        Double heapMax = null;
        Double systemMemory = null;
        Double disk = null;
        Double received = null;
        Double sent = null;
        Double startTime = null;
        Double uptime = null;
        for (MetricSnapshot.Meter meter : snapshot.meters()) {
            String name = meter.name();
            if (name.startsWith("xiaozhi.stage.") && !meter.tag("stage").isEmpty()) {
                StageBuilder stage = stages.computeIfAbsent(meter.tag("stage"), s -> new StageBuilder());
                switch (name) {
                    case "xiaozhi.stage.completed" -> stage.completed += counter(meter);
                    case "xiaozhi.stage.dlq" -> stage.deadLetters += counter(meter);
                    case "xiaozhi.stage.deadline.expired" -> stage.expired += counter(meter);
                    case "xiaozhi.stage.processing" -> stage.processing = stage.processing.plus(timer(meter));
                    case "xiaozhi.stage.inflight" -> stage.inflight = sum(stage.inflight, gauge(meter));
                    default -> {
                    }
                }
                continue;
            }
            if (name.startsWith("xiaozhi.gateway.")) {
                gatewaySeen = true;
                switch (name) {
                    case "xiaozhi.gateway.turns" -> {
                        switch (meter.tag("outcome")) {
                            case "published" -> published += counter(meter);
                            case "busy" -> busy += counter(meter);
                            case "timeout" -> timedOut += counter(meter);
                            case "error" -> failed += counter(meter);
                            default -> {
                            }
                        }
                    }
                    case "xiaozhi.gateway.turn.first_audio" -> firstAudio = firstAudio.plus(timer(meter));
                    case "xiaozhi.gateway.connections" -> connections = sum(connections, gauge(meter));
                    default -> {
                    }
                }
                continue;
            }
            if (name.startsWith("hikaricp.connections")) {
                poolSeen = true;
                switch (name) {
                    case "hikaricp.connections.active" -> active += orZero(gauge(meter));
                    case "hikaricp.connections.idle" -> idle += orZero(gauge(meter));
                    case "hikaricp.connections.pending" -> pending += orZero(gauge(meter));
                    case "hikaricp.connections.acquire" -> acquire = acquire.plus(timer(meter));
                    default -> {
                    }
                }
                continue;
            }
            switch (name) {
                case "process.cpu.usage" -> processCpu = gauge(meter);
                case "system.cpu.usage" -> systemCpu = gauge(meter);
                case "system.memory.usage" -> systemMemory = gauge(meter);
                case "system.disk.usage" -> disk = gauge(meter);
                case "system.network.received" -> received = meter.count();
                case "system.network.sent" -> sent = meter.count();
                case "process.start.time" -> startTime = gauge(meter);
                case "process.uptime" -> uptime = gauge(meter);
                case "jvm.memory.used" -> {
                    if (meter.tag("area").equals("heap")) {
                        heapUsed = sum(heapUsed, positive(gauge(meter)));
                    }
                }
                case "jvm.memory.max" -> {
                    // pools without a defined maximum report -1
                    if (meter.tag("area").equals("heap")) {
                        heapMax = sum(heapMax, positive(gauge(meter)));
                    }
                }
                default -> {
                }
            }
        }
        Map<String, StageFigures> stageFigures = new TreeMap<>();
        stages.forEach((id, b) -> stageFigures.put(id, new StageFigures(b.completed, b.deadLetters, b.expired, b.processing, b.inflight)));
        return new InstanceSample(snapshot.service(), snapshot.instance(), snapshot.timestamp(), startTime, uptime, stageFigures,
                gatewaySeen ? new GatewayFigures(published, busy, timedOut, failed, firstAudio, connections) : null,
                new HostFigures(processCpu, systemCpu, heapUsed, heapMax, systemMemory, disk, received, sent),
                poolSeen ? new PoolFigures(active, idle, pending, acquire) : null);
    }

    private static final class StageBuilder {
        double completed;
        double deadLetters;
        double expired;
        Histogram processing = Histogram.EMPTY;
        Double inflight;
    }

    private static double counter(MetricSnapshot.Meter meter) {
        return meter.count() == null ? 0 : meter.count();
    }

    private static Histogram timer(MetricSnapshot.Meter meter) {
        return meter.timer() == null ? Histogram.EMPTY : meter.timer();
    }

    private static Double gauge(MetricSnapshot.Meter meter) {
        return meter.value();
    }

    private static Double positive(Double value) {
        return value != null && value > 0 ? value : null;
    }

    private static double orZero(Double value) {
        return value == null ? 0 : value;
    }

    private static Double sum(Double a, Double b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a + b;
    }
}
