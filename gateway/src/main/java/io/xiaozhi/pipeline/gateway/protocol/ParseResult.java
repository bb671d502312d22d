package io.xiaozhi.pipeline.gateway.protocol;

import java.util.Objects;

/**
 * The outcome of reading device input: a value, or the reason it was rejected with a short detail.
 *
 * @param <T> the type of the value read
 */
public sealed interface ParseResult<T> {

    /** A successful read. */
    record Ok<T>(T value) implements ParseResult<T> {
        /** Checks the value. */
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    /** A rejected input. */
    record Bad<T>(BadInputReason reason, String detail) implements ParseResult<T> {
        /** Checks the reason and the detail. */
        public Bad {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** A successful result holding {@code value}. */
    static <T> ParseResult<T> ok(T value) {
        return new Ok<>(value);
    }

    /** A rejection for {@code reason}. */
    static <T> ParseResult<T> bad(BadInputReason reason, String detail) {
        return new Bad<>(reason, detail);
    }
}
