package io.xiaozhi.pipeline.common.config;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code ConfigCheck [--data-dir DIR] [--print]}: validates the configuration as a service would at
 * start-up. Exit code 0 when valid ({@code --print} also prints the effective values, secrets hidden),
 * {@value ServiceBootstrap#EXIT_BAD_CONFIG} with one line per problem when not.
 */
public final class ConfigCheck {

    private ConfigCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ServiceBootstrap.Options options;
        try {
            options = ServiceBootstrap.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("config-check: " + e.getMessage());
            return ServiceBootstrap.EXIT_USAGE;
        }
        if (!options.rest().isEmpty()) {
            err.println("config-check: unknown arguments " + options.rest() + "; usage: [--data-dir DIR] [--print]");
            return ServiceBootstrap.EXIT_USAGE;
        }
        Settings settings;
        try {
            settings = ServiceBootstrap.load("config-check", options, env, err);
        } catch (ConfigException e) {
            return ServiceBootstrap.EXIT_BAD_CONFIG;
        }
        if (options.print()) {
            out.println("# " + ConfigLoader.CONFIG_FILE + " (effective)");
            out.print(ConfigPrinter.toYaml(settings.config()));
            out.println("# " + ConfigLoader.PERFORMANCE_FILE + " (effective)");
            out.print(ConfigPrinter.toYaml(settings.performance()));
        }
        out.println("configuration OK (data directory " + settings.dataDir() + ")");
        return 0;
    }
}
