package io.xiaozhi.pipeline.common.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Environment variables override both files. The rule: {@code XIAOZHI_} followed by the key path in
 * upper case with dots and underscores both written as {@code _}; for example
 * {@code kafka.bootstrap_servers} is {@code XIAOZHI_KAFKA_BOOTSTRAP_SERVERS} and
 * {@code ai_providers.llm.max_concurrent} is {@code XIAOZHI_AI_PROVIDERS_LLM_MAX_CONCURRENT}. Lists
 * are comma-separated. Map-valued keys (raw Kafka client properties, provider headers) are set in the
 * files only. Names are matched against the known keys, so a misspelt variable is an error rather
 * than silently ignored. {@code XIAOZHI_DATA_DIR} and {@code XIAOZHI_TEST_*} are not configuration keys.
 */
public final class EnvironmentOverrides {

    public static final String PREFIX = "XIAOZHI_";
    public static final String DATA_DIR_VARIABLE = "XIAOZHI_DATA_DIR";
    private static final String TEST_PREFIX = "XIAOZHI_TEST_";

    /** Variable name → key path, per schema. */
    private final Map<Class<? extends Record>, Map<String, String>> variables = new LinkedHashMap<>();

    @SafeVarargs
    public EnvironmentOverrides(Class<? extends Record>... schemas) {
        Map<String, String> seen = new TreeMap<>();
        for (Class<? extends Record> schema : schemas) {
            Map<String, String> table = new TreeMap<>();
            collect(schema, "", table);
            table.forEach((variable, path) -> {
                String previous = seen.put(variable, path);
                if (previous != null) {
                    throw new IllegalStateException(variable + " would name both " + previous + " and " + path);
                }
            });
            variables.put(schema, table);
        }
    }

    /** The environment variable that overrides {@code path}. */
    public static String variableFor(String path) {
        return PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** Every variable this schema accepts, with the key path it sets. */
    public Map<String, String> variables(Class<? extends Record> schema) {
        return Map.copyOf(variables.get(schema));
    }

    /**
     * The overrides for {@code schema} found in {@code env}, as a tree to merge on top of the files.
     * Variables that name no key of any schema are reported to {@code problems}.
     */
    public ConfigNode.Mapping overridesFor(Class<? extends Record> schema, Map<String, String> env) {
        Map<String, String> table = variables.get(schema);
        ConfigNode.Mapping result = new ConfigNode.Mapping(Map.of(), Origin.unknown("environment"));
        for (Map.Entry<String, String> variable : new TreeMap<>(env).entrySet()) {
            String path = table.get(variable.getKey());
            if (path == null) {
                continue;
            }
            Origin origin = Origin.environment(variable.getKey());
            String[] segments = path.split("\\.");
            ConfigNode chain = new ConfigNode.Scalar(variable.getValue(), ConfigNode.ScalarKind.UNTYPED, origin);
            for (int i = segments.length - 1; i >= 0; i--) {
                chain = new ConfigNode.Mapping(Map.of(segments[i], chain), origin);
            }
            result = result.mergedWith((ConfigNode.Mapping) chain);
        }
        return result;
    }

    /** Reports {@code XIAOZHI_*} variables that set nothing. */
    public void reportUnknown(Map<String, String> env, Consumer<ConfigProblem> problems) {
        List<String> known = new ArrayList<>();
        variables.values().forEach(t -> known.addAll(t.keySet()));
        new TreeMap<>(env).forEach((name, value) -> {
            if (name.startsWith(PREFIX) && !name.equals(DATA_DIR_VARIABLE) && !name.startsWith(TEST_PREFIX) && !known.contains(name)) {
                problems.accept(new ConfigProblem(Origin.environment(name), "", null,
                        "names no configuration key" + ConfigBinder.suggestion(name, known)
                                + " (the rule: XIAOZHI_ + the key path in upper case, '.' written as '_')"));
            }
        });
    }

    private static void collect(Class<?> type, String path, Map<String, String> table) {
        for (RecordComponent component : type.getRecordComponents()) {
            String key = path.isEmpty() ? ConfigBinder.keyOf(component) : path + "." + ConfigBinder.keyOf(component);
            Class<?> raw = component.getType();
            if (raw.isRecord()) {
                collect(raw, key, table);
            } else if (raw != Map.class) {
                table.put(variableFor(key), key);
            }
        }
    }
}
