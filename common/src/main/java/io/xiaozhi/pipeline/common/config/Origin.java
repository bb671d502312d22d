package io.xiaozhi.pipeline.common.config;

/**
 * Where a configuration value came from: a file with line and column (1-based), or an environment variable.
 */
public record Origin(String source, int line, int column) {

    public static Origin file(String source, int line, int column) {
        return new Origin(source, line, column);
    }

    public static Origin environment(String variable) {
        return new Origin("environment variable " + variable, 0, 0);
    }

    public static Origin unknown(String source) {
        return new Origin(source, 0, 0);
    }

    /** {@code file:line:column} for files, the bare source otherwise. */
    public String describe() {
        return line > 0 ? source + ":" + line + ":" + column : source;
    }
}
