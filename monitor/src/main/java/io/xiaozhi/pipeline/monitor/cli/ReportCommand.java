package io.xiaozhi.pipeline.monitor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.monitor.api.BadRequestException;
import io.xiaozhi.pipeline.monitor.api.TimeRange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor report [--duration S | --from T [--to T]] [--output FILE] [--interval S] [--url URL]}:
 * collects from a running monitor's API for a duration (live), or reads a past range from its
 * history, and writes a report in the format of the output file's extension.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes a report (summary, lag per stage, per-service metrics, alerts) collected live for a duration "
                + "or read from history for a past range; .json, .md or .html (with charts) by the output's extension.")
public final class ReportCommand implements Callable<Integer> {

    static final int DEFAULT_DURATION = 300;

    private final CliContext context;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "collect live for this long (1 to 86400; default 300)")
    Integer duration;

    @Option(names = "--from", paramLabel = "TIME", description = "start of a past range: epoch ms or an ISO-8601 instant")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "end of a past range (default: now)")
    String to;

    @Option(names = {"--output", "-o"}, paramLabel = "FILE", defaultValue = "report.json",
            description = "the report file: .json, .md or .html (default: report.json)")
    Path output;

    @Option(names = "--interval", paramLabel = "SECONDS",
            description = "live: seconds between polls of the API (1 to 3600; default monitor.lag_interval)")
    Integer interval;

    @Option(names = "--url", paramLabel = "URL", description = "the monitor, e.g. http://host:8080 (default: this host on monitor.port)")
    String url;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "the data directory with the configuration overrides")
    String dataDir;

    public ReportCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        ReportWriter.Format.of(output);
        boolean range = from != null || to != null;
        if (range && duration != null) {
            throw new UsageException("--duration collects live, --from/--to read a past range: give one or the other");
        }
        if (duration != null && (duration < 1 || duration > 86_400)) {
            throw new UsageException("--duration: must be from 1 to 86400 seconds, not " + duration);
        }
        if (interval != null && (interval < 1 || interval > 3600)) {
            throw new UsageException("--interval: must be from 1 to 3600 seconds, not " + interval);
        }
        Settings settings = context.settings(dataDir);
        MonitorClient client = new MonitorClient(CliContext.monitorUrl(url, settings));
        ReportCollector collector = new ReportCollector(client, context.clock(), Thread::sleep);
        ReportInput input;
        if (range) {
            long now = context.clock().getAsLong();
            long end;
            long start;
            try {
                Long parsedTo = TimeRange.parse("--to", to);
                end = parsedTo != null ? parsedTo : now;
                Long parsedFrom = TimeRange.parse("--from", from);
                start = parsedFrom != null ? parsedFrom : end - TimeRange.DEFAULT_SPAN.toMillis();
            } catch (BadRequestException e) {
                throw new UsageException(e.getMessage());
            }
            if (start > end) {
                throw new UsageException("--from is after --to");
            }
            input = collector.range(start, end);
        } else {
            int seconds = duration != null ? duration : DEFAULT_DURATION;
            int every = interval != null ? interval : settings.performance().monitor().lagInterval();
            context.err().println("monitor: collecting from " + client.base() + " for " + seconds + " s, polling every " + every + " s");
            input = collector.live(Duration.ofSeconds(seconds), Duration.ofSeconds(every));
        }
        ObjectNode report = Report.build(input, context.clock().getAsLong());
        ReportWriter.write(report, output);
        context.out().println("report written to " + output + " (" + ReportWriter.number(report.path("period").path("seconds")) + " s, "
                + report.path("summary").path("windows").asInt() + " windows, " + report.path("summary").path("lag_samples").asInt()
                + " lag samples, " + report.path("alerts").path("fired").asInt() + " alerts fired)");
        return 0;
    }
}
