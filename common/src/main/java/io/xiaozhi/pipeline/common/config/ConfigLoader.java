package io.xiaozhi.pipeline.common.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads {@code config.yaml} and {@code performance.yaml} in layers, lowest first:
 * <ol>
 *   <li>the templates shipped in the jar, which hold every default;</li>
 *   <li>the user's overrides in the data directory, {@code data/.config.yaml} and {@code data/.performance.yaml};</li>
 *   <li>environment variables ({@link EnvironmentOverrides}).</li>
 * </ol>
 * Maps merge key by key; scalars and lists replace. The result is validated in one pass and every
 * problem is reported at once, each naming the file (with line and column), the key path, the value
 * and what is allowed.
 */
public final class ConfigLoader {

    public static final String CONFIG_FILE = "config.yaml";
    public static final String PERFORMANCE_FILE = "performance.yaml";
    public static final Path DEFAULT_DATA_DIR = Path.of("data");

    private static final EnvironmentOverrides ENVIRONMENT = new EnvironmentOverrides(ServiceConfig.class, PerformanceConfig.class);

    private ConfigLoader() {
    }

    /** The environment variables that override keys, by schema (for documentation and tests). */
    public static EnvironmentOverrides environmentOverrides() {
        return ENVIRONMENT;
    }

    /**
     * The data directory: {@code explicit} when given (a {@code --data-dir} flag), else
     * {@code XIAOZHI_DATA_DIR}, else {@code ./data}.
     */
    public static Path dataDir(String explicit, Map<String, String> env) {
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String fromEnv = env.get(EnvironmentOverrides.DATA_DIR_VARIABLE);
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : DEFAULT_DATA_DIR;
    }

    /** Loads and validates both files; throws {@link ConfigException} with every problem found. */
    public static Settings load(Path dataDir, Map<String, String> env) {
        List<ConfigProblem> problems = new ArrayList<>();
        ENVIRONMENT.reportUnknown(env, problems::add);
        Optional<ConfigNode.Mapping> config = layered(CONFIG_FILE, ServiceConfig.class, dataDir, env, problems);
        Optional<ConfigNode.Mapping> performance = layered(PERFORMANCE_FILE, PerformanceConfig.class, dataDir, env, problems);
        ServiceConfig serviceConfig = config.map(tree -> bind(tree, ServiceConfig.class, problems)).orElse(null);
        PerformanceConfig performanceConfig = performance.map(tree -> bind(tree, PerformanceConfig.class, problems)).orElse(null);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Settings(dataDir, serviceConfig, performanceConfig);
    }

    private static <T extends Record> T bind(ConfigNode.Mapping tree, Class<T> type, List<ConfigProblem> problems) {
        try {
            return ConfigBinder.bind(tree, type);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    private static Optional<ConfigNode.Mapping> layered(String name, Class<? extends Record> schema, Path dataDir,
                                                        Map<String, String> env, List<ConfigProblem> problems) {
        Optional<ConfigNode.Mapping> defaults = template(name, problems);
        Path userFile = dataDir.resolve("." + name);
        Optional<ConfigNode.Mapping> user = userFile(userFile, problems);
        if (defaults.isEmpty() || user.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(defaults.get().mergedWith(user.get()).mergedWith(ENVIRONMENT.overridesFor(schema, env)));
    }

    private static Optional<ConfigNode.Mapping> template(String name, List<ConfigProblem> problems) {
        String source = name + " (built-in defaults)";
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the built-in " + name + " is missing from the classpath");
            }
            return YamlReader.read(source, new InputStreamReader(in, StandardCharsets.UTF_8), problems::add);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in " + name, e);
        }
    }

    /** A missing override file is an empty one; an unreadable one is a problem. */
    private static Optional<ConfigNode.Mapping> userFile(Path file, List<ConfigProblem> problems) {
        String source = file.toString();
        if (!Files.exists(file)) {
            return Optional.of(new ConfigNode.Mapping(Map.of(), Origin.unknown(source)));
        }
        if (!Files.isRegularFile(file)) {
            problems.add(new ConfigProblem(Origin.unknown(source), "", null, "is not a regular file"));
            return Optional.empty();
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return YamlReader.read(source, reader, problems::add);
        } catch (MalformedInputException e) {
            problems.add(new ConfigProblem(Origin.unknown(source), "", null, "is not valid UTF-8 text"));
        } catch (IOException e) {
            problems.add(new ConfigProblem(Origin.unknown(source), "", null, "cannot be read: " + e));
        }
        return Optional.empty();
    }
}
