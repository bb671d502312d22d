package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.xiaozhi.pipeline.common.config.Settings;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code monitor lag [--every N] [--count N] [--url URL]}: the per-stage lag table, once or every N seconds. */
@Command(name = "lag", mixinStandardHelpOptions = true,
        description = "Prints the per-stage lag table (stage, records, seconds, state, drain s, members, recommended) "
                + "from a running monitor, once or every N seconds.")
public final class LagCommand implements Callable<Integer> {

    private final CliContext context;

    @Option(names = "--every", paramLabel = "N", description = "print again every N seconds (1 to 3600) until stopped")
    Integer every;

    @Option(names = "--count", paramLabel = "N", description = "with --every: stop after N tables")
    Integer count;

    @Option(names = "--url", paramLabel = "URL", description = "the monitor, e.g. http://host:8080 (default: this host on monitor.port)")
    String url;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "the data directory with the configuration overrides")
    String dataDir;

    public LagCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (every != null && (every < 1 || every > 3600)) {
            throw new UsageException("--every: must be from 1 to 3600 seconds, not " + every);
        }
        if (count != null && count < 1) {
            throw new UsageException("--count: must be at least 1, not " + count);
        }
        if (count != null && every == null) {
            throw new UsageException("--count needs --every");
        }
        Settings settings = context.settings(dataDir);
        MonitorClient client = new MonitorClient(CliContext.monitorUrl(url, settings));
        int printed = 0;
        while (true) {
            JsonNode lag = client.lag();
            if (every != null) {
                context.out().println(Instant.ofEpochMilli(lag.path("timestamp").asLong(context.clock().getAsLong()))
                        .truncatedTo(ChronoUnit.SECONDS));
            }
            context.out().print(LagTable.format(lag.path("stages")));
            context.out().flush();
            printed++;
            if (every == null || (count != null && printed >= count)) {
                return 0;
            }
            context.out().println();
            Thread.sleep(every * 1000L);
        }
    }
}
