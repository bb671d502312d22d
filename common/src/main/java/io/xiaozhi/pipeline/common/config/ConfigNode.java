package io.xiaozhi.pipeline.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed configuration tree that remembers where every value came from. Only maps, lists and
 * scalars exist: no YAML type is ever turned into a Java object other than these.
 */
public sealed interface ConfigNode {

    Origin origin();

    /** A short, human description of the value for error messages. */
    String display();

    /** How a scalar was written: YAML resolves plain scalars to a kind; environment values are untyped text. */
    enum ScalarKind { STRING, INT, FLOAT, BOOL, NULL, UNTYPED }

    record Scalar(String text, ScalarKind kind, Origin origin) implements ConfigNode {
        @Override
        public String display() {
            return kind == ScalarKind.NULL ? "null" : text;
        }
    }

    record Sequence(List<ConfigNode> items, Origin origin) implements ConfigNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String display() {
            return "a list of " + items.size();
        }
    }

    record Mapping(Map<String, ConfigNode> entries, Origin origin) implements ConfigNode {
        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String display() {
            return "a map";
        }

        /**
         * Recursive merge: maps merge key by key; scalars and lists in {@code override} replace.
         * A null in the override (an empty YAML value) keeps what the base had.
         */
        public Mapping mergedWith(Mapping override) {
            Map<String, ConfigNode> merged = new LinkedHashMap<>(entries);
            override.entries.forEach((key, value) -> merged.merge(key, value, ConfigNode::merge));
            return new Mapping(merged, origin);
        }
    }

    static ConfigNode merge(ConfigNode base, ConfigNode override) {
        if (base instanceof Mapping b && override instanceof Mapping o) {
            return b.mergedWith(o);
        }
        if (override instanceof Scalar s && s.kind() == ScalarKind.NULL) {
            return base;
        }
        return override;
    }
}
