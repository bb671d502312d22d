package io.xiaozhi.pipeline.common.config;

/**
 * One thing wrong with the configuration, printed on one line: where, which key, which value, what is allowed.
 */
public record ConfigProblem(Origin origin, String path, String value, String rule) {

    @Override
    public String toString() {
        StringBuilder line = new StringBuilder(origin.describe()).append(": ");
        if (!path.isEmpty()) {
            line.append(path);
            if (value != null) {
                line.append(" = ").append(value.isEmpty() ? "\"\"" : value);
            }
            line.append(": ");
        }
        return line.append(rule).toString();
    }
}
