package io.xiaozhi.pipeline.common.runtime;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Decides whether a failed attempt is worth retrying. */
@FunctionalInterface
public interface FailureClassifier {

    boolean retryable(Throwable failure);

    /**
     * {@link StageException} says for itself; timeouts and I/O failures (connection refused or reset,
     * HTTP timeouts) are retryable; anything else (a bug, a malformed request) is not.
     */
    FailureClassifier DEFAULT = failure -> {
        Throwable cause = unwrap(failure);
        if (cause instanceof StageException stage) {
            return stage.retryable();
        }
        return cause instanceof TimeoutException || cause instanceof IOException
                || cause instanceof org.apache.kafka.common.errors.RetriableException;
    };

    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
