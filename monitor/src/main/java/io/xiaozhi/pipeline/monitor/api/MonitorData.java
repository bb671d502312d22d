package io.xiaozhi.pipeline.monitor.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What the monitor's HTTP API, dashboard and reports read: the lag sampler's latest figures and the
 * metrics aggregation's windows and alerts, as the JSON shapes the API serves (StageLag, WindowStats
 * and Alert, described in docs/architecture.md "Monitor: API, dashboard and CLI").
 *
 * <p>Contract: every method returns at once from what its part already holds (no broker round trip
 * per call), never {@code null}, and may be called from several HTTP threads at a time. A part that
 * cannot answer throws a {@link RuntimeException}; the API answers 503 with its message and counts it.
 */
public interface MonitorData {

    /** StageLag per stage, the latest sample of each (partitions beneath). */
    List<JsonNode> lag();

    /** WindowStats, the latest window per service and stage. */
    List<JsonNode> latestWindows();

    /** Every WindowStats whose window ends after {@code fromMs} and starts before {@code toMs}, oldest first. */
    List<JsonNode> history(long fromMs, long toMs);

    /** Alerts firing now (the latest event of each). */
    List<JsonNode> activeAlerts();

    /** The latest alert events (firing, repeated and resolved), newest first, at most {@code limit}. */
    List<JsonNode> recentAlerts(int limit);
}
