package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.runtime.StageException;

/**
 * A request the vision stage will never answer: a non-retryable {@link StageException} (so the
 * runtime sends it to the dead-letter topic and the gateway a {@code turn.error} at once) that names
 * its {@link Rejection}.
 */
public final class RejectedRequest extends StageException {

    private static final long serialVersionUID = 1L;

    private final Rejection rejection;

    public RejectedRequest(Rejection rejection, String message) {
        super(message, false);
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
