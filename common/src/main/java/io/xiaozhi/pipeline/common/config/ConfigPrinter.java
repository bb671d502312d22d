package io.xiaozhi.pipeline.common.config;

import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes bound configuration back as YAML for operators, with {@link Secret} values hidden. */
public final class ConfigPrinter {

    private ConfigPrinter() {
    }

    public static String toYaml(Record config) {
        StringBuilder out = new StringBuilder();
        writeRecord(config, 0, out);
        return out.toString();
    }

    private static void writeRecord(Record record, int indent, StringBuilder out) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            String key = ConfigBinder.keyOf(component);
            if (component.isAnnotationPresent(Secret.class) && value != null && !value.toString().isEmpty()) {
                out.append(" ".repeat(indent)).append(key).append(": (hidden)\n");
            } else {
                writeEntry(key, value, indent, out);
            }
        }
    }

    private static void writeEntry(String key, Object value, int indent, StringBuilder out) {
        String pad = " ".repeat(indent);
        if (value instanceof Record nested) {
            out.append(pad).append(key).append(":\n");
            writeRecord(nested, indent + 2, out);
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append(pad).append(key).append(": {}\n");
                return;
            }
            out.append(pad).append(key).append(":\n");
            map.forEach((k, v) -> writeEntry(String.valueOf(k), v, indent + 2, out));
        } else if (value instanceof List<?> list) {
            out.append(pad).append(key).append(": [");
            for (int i = 0; i < list.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(scalar(list.get(i)));
            }
            out.append("]\n");
        } else {
            out.append(pad).append(key).append(": ").append(scalar(value)).append('\n');
        }
    }

    private static String scalar(Object value) {
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return String.valueOf(value);
    }
}
