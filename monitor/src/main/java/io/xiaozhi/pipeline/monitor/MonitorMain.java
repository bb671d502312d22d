package io.xiaozhi.pipeline.monitor;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigException;
import io.xiaozhi.pipeline.common.config.ServiceBootstrap;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.service.ServiceHost;
import io.xiaozhi.pipeline.monitor.api.MonitorData;
import io.xiaozhi.pipeline.monitor.api.MonitorServer;
import io.xiaozhi.pipeline.monitor.cli.CliContext;
import io.xiaozhi.pipeline.monitor.cli.LagCommand;
import io.xiaozhi.pipeline.monitor.cli.MonitorUnreachableException;
import io.xiaozhi.pipeline.monitor.cli.ReportCommand;
import io.xiaozhi.pipeline.monitor.cli.UsageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor [serve] | report | lag}: the monitor service and its command line.
 * <ul>
 *   <li>{@code serve} (the default): the HTTP API, dashboard and Prometheus {@code /metrics} on
 *       {@code monitor.host}:{@code monitor.port}, over the lag sampler and the metrics aggregation
 *       ({@link #serve(Settings, MonitorData, ServiceHost)}); runs until stopped.</li>
 *   <li>{@code report}: see {@link ReportCommand}; {@code lag}: see {@link LagCommand}.</li>
 * </ul>
 * Exit codes: 0 done, 2 bad arguments or configuration (one line per problem, as every service),
 * 1 the monitor cannot be reached or the work failed.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, version = "xiaozhi-pipeline monitor",
        description = "Lag, metrics and alerts of the xiaozhi pipeline: the API and dashboard (serve, the default), reports and the lag table.",
        subcommands = {MonitorMain.Serve.class, ReportCommand.class, LagCommand.class})
public final class MonitorMain implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_INPUT = ServiceBootstrap.EXIT_BAD_CONFIG;

    private final CliContext context;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "the data directory with the configuration overrides")
    String dataDir;

    MonitorMain(CliContext context) {
        this.context = context;
    }

    public static void main(String[] args) {
        System.exit(run(args, new CliContext(System.out, System.err, System.getenv(), System::currentTimeMillis)));
    }

    /** Runs the command line {@code args} and answers its exit code ({@code serve} returns once the process is stopping). */
    public static int run(String[] args, CliContext context) {
        CommandLine cmd = new CommandLine(new MonitorMain(context), new Factory(context));
        cmd.setOut(new PrintWriter(context.out(), true));
        cmd.setErr(new PrintWriter(context.err(), true));
        cmd.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof ConfigException) {
                return EXIT_BAD_INPUT; // the problems are printed already
            }
            if (e instanceof UsageException) {
                context.err().println("monitor: " + e.getMessage());
                return EXIT_BAD_INPUT;
            }
            if (e instanceof MonitorUnreachableException || e instanceof IOException) {
                context.err().println("monitor: " + e.getMessage());
                return EXIT_FAILED;
            }
            context.err().println("monitor: " + e);
            return EXIT_FAILED;
        });
        return cmd.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        return serveUntilStopped(context, dataDir);
    }

    /** {@code serve}: the same as no command. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serves the API, the dashboard and /metrics on monitor.host:monitor.port until stopped (the default command).")
    static final class Serve implements Callable<Integer> {
        private final CliContext context;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "the data directory with the configuration overrides")
        String dataDir;

        Serve(CliContext context) {
            this.context = context;
        }

        @Override
        public Integer call() throws Exception {
            return serveUntilStopped(context, dataDir);
        }
    }

    /** A running monitor: its service host (registry, snapshots to xiaozhi.metrics) and its HTTP server. */
    public record Running(ServiceHost host, MonitorServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            host.close();
        }
    }

    /**
     * Starts the monitor's HTTP side over {@code data} with its own service host (registry and
     * snapshots of the monitor's own meters to {@code xiaozhi.metrics}).
     */
    public static Running serve(Settings settings, MonitorData data) throws IOException {
        ServiceHost host = ServiceHost.start("monitor", settings, ServiceHost.newRegistry("monitor"), -1);
        try {
            return serve(settings, data, host);
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /**
     * Starts the monitor's HTTP side over {@code data} on {@code monitor.host}:{@code monitor.port},
     * serving {@code host}'s registry on {@code /metrics}: the seam where the lag sampler and the
     * metrics aggregation (built on the same host, so their meters are scraped too) meet the API.
     */
    public static Running serve(Settings settings, MonitorData data, ServiceHost host) {
        MonitorServer server = MonitorServer.start(settings, data, host.registry(), settings.config().monitor().port());
        return new Running(host, server);
    }

    /**
     * The data the API serves: the lag loop ({@code xiaozhi.lag}) and the metrics aggregation (windows
     * and alerts), started on {@code settings}' cluster with their meters on {@code registry}.
     */
    static MonitorService openData(Settings settings, PrometheusMeterRegistry registry) {
        return MonitorService.start(settings, registry);
    }

    private static int serveUntilStopped(CliContext context, String dataDir) throws IOException, InterruptedException {
        Settings settings = context.settings(dataDir);
        PrometheusMeterRegistry registry = ServiceHost.newRegistry("monitor");
        ServiceHost host = ServiceHost.start("monitor", settings, registry, -1);
        MonitorService data;
        Running running;
        try {
            data = openData(settings, registry);
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        try {
            running = serve(settings, data, host);
        } catch (RuntimeException e) {
            data.close();
            host.close();
            throw e;
        }
        context.out().println("monitor: dashboard and API on http://" + settings.config().monitor().host() + ":"
                + running.server().port() + "/");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.server().close();
            data.close();
            host.close();
            org.slf4j.LoggerFactory.getLogger(MonitorMain.class).info("monitor: stopped");
            stopped.countDown();
        }, "monitor-shutdown"));
        stopped.await();
        return EXIT_OK;
    }

    /** Creates the commands with the context they print to. */
    private record Factory(CliContext context) implements CommandLine.IFactory {
        @Override
        @SuppressWarnings("unchecked")
        public <K> K create(Class<K> type) throws Exception {
            if (type == Serve.class) {
                return (K) new Serve(context);
            }
            if (type == ReportCommand.class) {
                return (K) new ReportCommand(context);
            }
            if (type == LagCommand.class) {
                return (K) new LagCommand(context);
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
