package io.xiaozhi.pipeline.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import io.xiaozhi.pipeline.monitor.api.MonitorData;
import io.xiaozhi.pipeline.monitor.lag.LagMonitor;
import io.xiaozhi.pipeline.monitor.metrics.MetricsService;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The monitor's two halves behind the API: the lag loop ({@link LagMonitor}, publishing
 * {@code xiaozhi.lag}) and the metrics aggregation with its alerts ({@link MetricsService}, Kafka
 * Streams). The lag loop sizes its recommended worker counts with each stage's mean processing time
 * from the latest metric window when there is one.
 */
public final class MonitorService implements MonitorData, AutoCloseable {

    private final MetricsService metrics;
    private final LagMonitor lag;

    private MonitorService(MetricsService metrics, LagMonitor lag) {
        this.metrics = metrics;
        this.lag = lag;
    }

    /** Starts both halves on {@code settings}' cluster, their meters on {@code meters}. */
    public static MonitorService start(Settings settings, MeterRegistry meters) {
        MetricsService metrics = MetricsService.start(settings, meters);
        try {
            LagMonitor lag = LagMonitor.start(settings, new KafkaClients(settings.config().kafka(), "monitor"), meters,
                    stage -> meanProcessingSeconds(metrics, stage));
            return new MonitorService(metrics, lag);
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    /** The stage's mean processing time in the latest window of its workers, if any requests finished in it. */
    static OptionalDouble meanProcessingSeconds(MetricsService metrics, Stage stage) {
        for (JsonNode window : metrics.latestWindows()) {
            if (window.path("stage").asText().equals(stage.id()) && window.path("service").asText().endsWith("-worker")) {
                JsonNode mean = window.path("latency_ms").path("mean");
                if (mean.isNumber() && mean.asDouble() > 0 && window.path("latency_ms").path("count").asLong() > 0) {
                    return OptionalDouble.of(mean.asDouble() / 1000.0);
                }
            }
        }
        return OptionalDouble.empty();
    }

    @Override
    public List<JsonNode> lag() {
        return lag.latest().stream().<JsonNode>map(StageLagJson::toJson).toList();
    }

    @Override
    public List<JsonNode> latestWindows() {
        return metrics.latestWindows();
    }

    @Override
    public List<JsonNode> history(long fromMs, long toMs) {
        return metrics.history(fromMs, toMs);
    }

    @Override
    public List<JsonNode> activeAlerts() {
        return metrics.activeAlerts();
    }

    @Override
    public List<JsonNode> recentAlerts(int limit) {
        return metrics.recentAlerts(limit);
    }

    @Override
    public void close() {
        lag.close();
        metrics.close();
    }
}
