package io.xiaozhi.pipeline.common.config;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The first thing every service's {@code main} does: read the command line, load and validate the
 * configuration, and stop with exit code {@value #EXIT_BAD_CONFIG} and one line per problem before
 * anything opens a port.
 */
public final class ServiceBootstrap {

    public static final int EXIT_BAD_CONFIG = 2;
    public static final int EXIT_USAGE = 64;

    private ServiceBootstrap() {
    }

    /** The options every service understands. */
    public record Options(String dataDir, boolean print, List<String> rest) {
    }

    /** Parses {@code --data-dir DIR} (or {@code --data-dir=DIR}) and {@code --print}; other arguments are left in {@code rest}. */
    public static Options parse(String[] args) {
        String dataDir = null;
        boolean print = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--data-dir")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--data-dir needs a directory");
                }
                dataDir = args[++i];
            } else if (arg.startsWith("--data-dir=")) {
                dataDir = arg.substring("--data-dir=".length());
            } else if (arg.equals("--print")) {
                print = true;
            } else {
                rest.add(arg);
            }
        }
        return new Options(dataDir, print, List.copyOf(rest));
    }

    /**
     * Loads the settings for {@code service}. On failure writes {@code <service>: configuration is
     * invalid} and then one line per problem to {@code err}, and throws the {@link ConfigException}.
     */
    public static Settings load(String service, Options options, Map<String, String> env, PrintStream err) {
        try {
            return ConfigLoader.load(ConfigLoader.dataDir(options.dataDir(), env), env);
        } catch (ConfigException e) {
            err.println(service + ": configuration is invalid (" + e.problems().size() + " problem"
                    + (e.problems().size() == 1 ? "" : "s") + "):");
            e.problems().forEach(problem -> err.println(problem.toString()));
            throw e;
        }
    }

    /** For a service's {@code main}: the settings, or the process ends with {@value #EXIT_BAD_CONFIG}. */
    public static Settings loadOrExit(String service, String[] args) {
        try {
            return load(service, parse(args), System.getenv(), System.err);
        } catch (ConfigException e) {
            System.exit(EXIT_BAD_CONFIG);
            throw e;
        } catch (IllegalArgumentException e) {
            System.err.println(service + ": " + e.getMessage());
            System.exit(EXIT_USAGE);
            throw e;
        }
    }
}
