package io.xiaozhi.pipeline.monitor.cli;

import io.xiaozhi.pipeline.common.config.ServiceBootstrap;
import io.xiaozhi.pipeline.common.config.Settings;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What the monitor's commands run with: where they print, the environment the configuration is
 * read from, and the clock.
 */
public record CliContext(PrintStream out, PrintStream err, Map<String, String> env, LongSupplier clock) {

    /** Loads and validates the configuration (problems are printed; the caller exits with 2). */
    public Settings settings(String dataDir) {
        return ServiceBootstrap.load("monitor", new ServiceBootstrap.Options(dataDir, false, List.of()), env, err);
    }

    /**
     * The monitor to read: {@code --url} when given, else this host on {@code monitor.port}
     * ({@code monitor.host} unless it is a wildcard address).
     */
    public static URI monitorUrl(String url, Settings settings) {
        if (url != null) {
            return MonitorClient.baseUrl(url);
        }
        String host = settings.config().monitor().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return MonitorClient.baseUrl("http://" + host + ":" + settings.config().monitor().port());
    }
}
