package io.xiaozhi.pipeline.common.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;

/** Turns an exception's cause chain into one readable line, with secrets scrubbed. */
final class FailureMessages {

    private FailureMessages() {
    }

    /**
     * The messages along {@code error}'s cause chain joined by {@code ": "}, each passed through
     * {@code scrub}. Future wrappers are skipped, and so is a message already contained in an earlier
     * one (drivers often repeat their cause's message in their own).
     */
    static String describe(Throwable error, UnaryOperator<String> scrub) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (t instanceof CompletionException || t instanceof ExecutionException || message == null || message.isBlank()
                    || (t.getCause() != null && message.equals(t.getCause().toString()))) {
                continue;
            }
            String part = scrub.apply(message.strip());
            if (parts.stream().noneMatch(earlier -> earlier.contains(part))) {
                parts.add(part);
            }
        }
        return parts.isEmpty() ? error.getClass().getName() : String.join(": ", parts);
    }

    /** Whether {@code secret} (when not empty) appears in any message along {@code error}'s cause chain. */
    static boolean mentions(Throwable error, String secret) {
        if (secret.isEmpty()) {
            return false;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.toString().contains(secret)) {
                return true;
            }
        }
        return false;
    }
}
