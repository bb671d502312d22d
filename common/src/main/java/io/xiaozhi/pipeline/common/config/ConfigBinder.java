package io.xiaozhi.pipeline.common.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Binds a merged {@link ConfigNode} tree to immutable records, collecting every problem instead of
 * stopping at the first. Keys are the snake_case form of record component names. Supported value
 * types: int, long, double, boolean, String, enums (written in lower case), {@code List<T>},
 * {@code Map<String, T>} and nested records.
 */
public final class ConfigBinder {

    private static final int MAX_SHOWN_VALUE = 80;

    private final List<ConfigProblem> problems = new ArrayList<>();

    /** Binds {@code root} to {@code type}; throws {@link ConfigException} listing every problem. */
    public static <T extends Record> T bind(ConfigNode.Mapping root, Class<T> type) {
        ConfigBinder binder = new ConfigBinder();
        Object value = binder.bindRecord(root, type, "");
        if (!binder.problems.isEmpty()) {
            throw new ConfigException(binder.problems);
        }
        return type.cast(value);
    }

    /** The key under which a record component is written in YAML. */
    public static String keyOf(RecordComponent component) {
        return snakeCase(component.getName());
    }

    static String snakeCase(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private Object bindRecord(ConfigNode node, Class<?> type, String path) {
        if (!(node instanceof ConfigNode.Mapping mapping)) {
            fail(node, path, "expected a map with the keys " + keysOf(type));
            return null;
        }
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent component : components) {
            byKey.put(keyOf(component), component);
        }
        for (Map.Entry<String, ConfigNode> entry : mapping.entries().entrySet()) {
            if (!byKey.containsKey(entry.getKey())) {
                String key = entry.getKey();
                problems.add(new ConfigProblem(entry.getValue().origin(), join(path, key), null,
                        "unknown key" + suggestion(key, byKey.keySet()) + "; allowed here: " + String.join(", ", byKey.keySet())));
            }
        }
        int before = problems.size();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            String key = keyOf(component);
            String childPath = join(path, key);
            ConfigNode child = mapping.entries().get(key);
            if (child == null || isNull(child)) {
                problems.add(new ConfigProblem(child != null ? child.origin() : mapping.origin(), childPath, null,
                        "required key is missing (expected " + describe(component.getGenericType()) + ")"));
                continue;
            }
            args[i] = bindValue(child, component.getGenericType(), component, childPath);
        }
        if (problems.size() > before) {
            return null;
        }
        Object record;
        try {
            Constructor<?> constructor = type.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            constructor.setAccessible(true);
            record = constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            fail(node, path, "invalid: " + e.getCause().getMessage());
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct configuration record " + type.getName(), e);
        }
        if (record instanceof ConfigChecks checks) {
            checks.check((holds, key, value, rule) -> {
                if (!holds) {
                    ConfigNode at = mapping.entries().getOrDefault(key, mapping);
                    RecordComponent component = byKey.get(key);
                    boolean secret = component != null && component.isAnnotationPresent(Secret.class);
                    problems.add(new ConfigProblem(at.origin(), join(path, key), secret ? "(hidden)" : show(String.valueOf(value)), rule));
                }
            });
        }
        return record;
    }

    private Object bindValue(ConfigNode node, Type type, RecordComponent component, String path) {
        Class<?> raw = rawClass(type);
        if (raw.isRecord()) {
            return bindRecord(node, raw, path);
        }
        if (raw == List.class) {
            return bindList(node, elementType(type, 0), component, path);
        }
        if (raw == Map.class) {
            return bindMap(node, elementType(type, 1), component, path);
        }
        if (!(node instanceof ConfigNode.Scalar scalar)) {
            fail(node, path, "expected " + describe(type) + ", not " + node.display());
            return null;
        }
        boolean secret = component != null && component.isAnnotationPresent(Secret.class);
        Object value = convertScalar(scalar, raw, path, secret);
        if (value != null && component != null) {
            checkConstraints(scalar, value, component, path, secret);
        }
        return value;
    }

    private Object bindList(ConfigNode node, Type elementType, RecordComponent component, String path) {
        List<ConfigNode> items;
        if (node instanceof ConfigNode.Sequence sequence) {
            items = sequence.items();
        } else if (node instanceof ConfigNode.Scalar scalar && scalar.kind() == ConfigNode.ScalarKind.UNTYPED) {
            // environment variables carry lists as comma-separated text
            items = Arrays.stream(scalar.text().split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .map(s -> (ConfigNode) new ConfigNode.Scalar(s, ConfigNode.ScalarKind.UNTYPED, scalar.origin()))
                    .toList();
        } else {
            fail(node, path, "expected a list, not " + node.display());
            return null;
        }
        List<Object> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(bindValue(items.get(i), elementType, rawClass(elementType).isRecord() ? null : component, path + "[" + i + "]"));
        }
        return List.copyOf(out.stream().filter(v -> v != null).toList());
    }

    private Object bindMap(ConfigNode node, Type valueType, RecordComponent component, String path) {
        if (!(node instanceof ConfigNode.Mapping mapping)) {
            fail(node, path, "expected a map, not " + node.display());
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> entry : mapping.entries().entrySet()) {
            if (isNull(entry.getValue()) && !rawClass(valueType).isRecord()) {
                continue;
            }
            ConfigNode value = isNull(entry.getValue())
                    ? new ConfigNode.Mapping(Map.of(), entry.getValue().origin())
                    : entry.getValue();
            Object bound = bindValue(value, valueType, rawClass(valueType).isRecord() ? null : component, join(path, entry.getKey()));
            if (bound != null) {
                out.put(entry.getKey(), bound);
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private Object convertScalar(ConfigNode.Scalar scalar, Class<?> raw, String path, boolean secret) {
        String text = scalar.text().trim();
        ConfigNode.ScalarKind kind = scalar.kind();
        boolean untyped = kind == ConfigNode.ScalarKind.UNTYPED;
        String shown = secret ? "(hidden)" : show(scalar.text());
        try {
            if (raw == String.class) {
                if (kind == ConfigNode.ScalarKind.STRING || untyped || kind == ConfigNode.ScalarKind.INT
                        || kind == ConfigNode.ScalarKind.FLOAT) {
                    return scalar.text();
                }
                problems.add(new ConfigProblem(scalar.origin(), path, shown, "expected text; quote it (\"" + scalar.text() + "\") if it is meant as text"));
                return null;
            }
            if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
                if (kind != ConfigNode.ScalarKind.INT && !untyped) {
                    problems.add(new ConfigProblem(scalar.origin(), path, shown, "expected a whole number"));
                    return null;
                }
                long value = Long.decode(text.replace("_", ""));
                if (raw == int.class || raw == Integer.class) {
                    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                        throw new NumberFormatException();
                    }
                    return (int) value;
                }
                return value;
            }
            if (raw == double.class || raw == Double.class) {
                if (kind != ConfigNode.ScalarKind.INT && kind != ConfigNode.ScalarKind.FLOAT && !untyped) {
                    problems.add(new ConfigProblem(scalar.origin(), path, shown, "expected a number"));
                    return null;
                }
                double value = Double.parseDouble(text.replace("_", ""));
                if (!Double.isFinite(value)) {
                    throw new NumberFormatException();
                }
                return value;
            }
            if (raw == boolean.class || raw == Boolean.class) {
                String lower = text.toLowerCase(Locale.ROOT);
                if ((kind == ConfigNode.ScalarKind.BOOL || untyped) && Set.of("true", "yes", "on").contains(lower)) {
                    return true;
                }
                if ((kind == ConfigNode.ScalarKind.BOOL || untyped) && Set.of("false", "no", "off").contains(lower)) {
                    return false;
                }
                problems.add(new ConfigProblem(scalar.origin(), path, shown, "expected true or false"));
                return null;
            }
            if (raw.isEnum()) {
                for (Object constant : raw.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equalsIgnoreCase(text)) {
                        return constant;
                    }
                }
                List<String> allowed = Arrays.stream(raw.getEnumConstants())
                        .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).toList();
                problems.add(new ConfigProblem(scalar.origin(), path, shown,
                        "must be one of " + String.join(", ", allowed) + suggestion(text, allowed)));
                return null;
            }
        } catch (NumberFormatException e) {
            String expected = raw == double.class || raw == Double.class ? "a number" : "a whole number";
            problems.add(new ConfigProblem(scalar.origin(), path, shown, "expected " + expected
                    + (text.matches("[-+]?[0-9_]+") ? " within " + (raw == int.class || raw == Integer.class ? "the 32-bit" : "the 64-bit") + " range" : "")));
            return null;
        }
        throw new IllegalStateException("unsupported configuration type " + raw.getName() + " at " + path);
    }

    private void checkConstraints(ConfigNode.Scalar scalar, Object value, RecordComponent component, String path, boolean secret) {
        Range range = component.getAnnotation(Range.class);
        if (range != null && value instanceof Number number) {
            double v = number.doubleValue();
            if (v < range.min() || v > range.max()) {
                boolean whole = !(value instanceof Double);
                problems.add(new ConfigProblem(scalar.origin(), path, show(scalar.text()),
                        "must be " + (whole ? "a whole number" : "a number") + " from " + bound(range.min(), whole)
                                + " to " + bound(range.max(), whole)));
            }
        }
        if (component.isAnnotationPresent(NotBlank.class) && value instanceof String s && s.isBlank()) {
            problems.add(new ConfigProblem(scalar.origin(), path, secret ? "(hidden)" : "\"" + s + "\"", "must not be empty"));
        }
    }

    private static String bound(double value, boolean whole) {
        return whole || value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private void fail(ConfigNode node, String path, String rule) {
        problems.add(new ConfigProblem(node.origin(), path, node instanceof ConfigNode.Scalar s ? show(s.display()) : null, rule));
    }

    private static boolean isNull(ConfigNode node) {
        return node instanceof ConfigNode.Scalar s && s.kind() == ConfigNode.ScalarKind.NULL;
    }

    private static String show(String text) {
        String single = text.replace("\n", "\\n");
        return single.length() > MAX_SHOWN_VALUE ? single.substring(0, MAX_SHOWN_VALUE) + "…" : single;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String keysOf(Class<?> type) {
        return Arrays.stream(type.getRecordComponents()).map(ConfigBinder::keyOf).collect(Collectors.joining(", "));
    }

    static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("unsupported configuration type " + type);
    }

    static Type elementType(Type type, int index) {
        if (type instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[index];
        }
        throw new IllegalStateException("raw collection type in configuration: " + type);
    }

    private static String describe(Type type) {
        Class<?> raw = rawClass(type);
        if (raw.isRecord()) {
            return "a map";
        }
        if (raw == List.class) {
            return "a list";
        }
        if (raw == Map.class) {
            return "a map";
        }
        if (raw == String.class) {
            return "text";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "true or false";
        }
        if (raw == double.class || raw == Double.class) {
            return "a number";
        }
        if (raw.isEnum()) {
            return "one of " + Arrays.stream(raw.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        }
        return "a whole number";
    }

    /** {@code "; did you mean 'x'?"} when a known key is a likely misspelling of {@code key}. */
    static String suggestion(String key, java.util.Collection<String> known) {
        String lower = key.toLowerCase(Locale.ROOT).replace('-', '_');
        return known.stream()
                .map(k -> Map.entry(k, distance(lower, k.toLowerCase(Locale.ROOT))))
                .filter(e -> e.getValue() <= Math.max(1, Math.min(3, e.getKey().length() / 3)))
                .min(Comparator.comparingInt(Map.Entry::getValue))
                .map(e -> "; did you mean '" + e.getKey() + "'?")
                .orElse("");
    }

    /** Optimal string alignment distance: edits, with a swap of neighbours counted as one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
