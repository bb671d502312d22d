package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-stage lag table {@code monitor lag} prints: stage, records waiting, age of the oldest in
 * seconds, state, seconds to drain ({@code -} when the queue is not draining), consumer group
 * members and the recommended worker count. Columns are padded to their widest cell.
 */
public final class LagTable {

    static final List<String> HEADER = List.of("stage", "records", "seconds", "state", "drain s", "members", "recommended");

    private LagTable() {
    }

    /** The table of the StageLag entries in {@code stages}, one line per stage, with a header line. */
    public static String format(JsonNode stages) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (JsonNode stage : stages) {
            rows.add(List.of(
                    stage.path("stage").asText("?"),
                    integer(stage.path("records")),
                    decimal(stage.path("seconds")),
                    stage.path("state").asText("?"),
                    decimal(stage.path("drain_seconds")),
                    integer(stage.path("members")),
                    integer(stage.path("recommended_workers"))));
        }
        int[] widths = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.size(); c++) {
                if (c > 0) {
                    line.append("  ");
                }
                // names and states to the left, numbers to the right
                boolean left = c == 0 || c == 3;
                String cell = row.get(c);
                String pad = " ".repeat(widths[c] - cell.length());
                line.append(left ? cell + pad : pad + cell);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        if (rows.size() == 1) {
            out.append("(no stage reported)\n");
        }
        return out.toString();
    }

    private static String integer(JsonNode value) {
        return value.isNumber() ? Long.toString(value.asLong()) : "-";
    }

    private static String decimal(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.1f", value.asDouble()) : "-";
    }
}
