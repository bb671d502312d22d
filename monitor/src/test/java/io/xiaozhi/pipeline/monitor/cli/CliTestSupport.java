package io.xiaozhi.pipeline.monitor.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.monitor.MonitorMain;
import io.xiaozhi.pipeline.monitor.api.FakeMonitorData;
import io.xiaozhi.pipeline.monitor.api.MonitorServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Runs the monitor's command line in this JVM against a server over {@link FakeMonitorData}. */
final class CliTestSupport {

    /** The output of one run. */
    record Result(int exit, String out, String err) {
    }

    private CliTestSupport() {
    }

    /** A server without background lag sampling, so every lag sample served went to the command under test. */
    static MonitorServer server(FakeMonitorData data) {
        return MonitorServer.start(new MonitorServer.Options("127.0.0.1", 0, Duration.ofHours(24), Duration.ZERO), data,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC());
    }

    /** Runs {@code monitor args...} with the defaults of a data directory that does not exist. */
    static Result run(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        if (!all.contains("--data-dir")) {
            all.add("--data-dir");
            all.add("target/no-data-dir");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = MonitorMain.run(all.toArray(String[]::new), new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), System::currentTimeMillis));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A local port nothing listens on. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
