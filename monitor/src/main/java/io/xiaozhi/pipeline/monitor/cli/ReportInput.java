package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a report is computed from: the period, the lag samples and metric windows seen in it, the
 * alert events of the period, and the alerts active at its end.
 *
 * @param source   {@code live} (collected for the duration) or {@code history} (a past range)
 * @param monitor  the monitor's base URL
 * @param polls    API polls made (live), 0 for history
 * @param notes    what the reader should know about gaps (failed polls, a clamped range, ...)
 */
public record ReportInput(String source, String monitor, long from, long to, List<JsonNode> lag, List<JsonNode> windows,
                          List<JsonNode> alertEvents, List<JsonNode> activeAtEnd, int polls, List<String> notes) {
}
