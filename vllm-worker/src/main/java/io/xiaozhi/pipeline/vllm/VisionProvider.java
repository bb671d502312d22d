package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;

/**
 * Where the vision stage's answers come from ({@code providers.vllm.type}). {@link #answer} is
 * called on a runtime thread, which it may block, and must give up when
 * {@link StageContext#cancellation()} completes or {@link StageContext#timeLeft()} runs out.
 */
public interface VisionProvider {

    /** What the provider is, for the log: its type and, for a remote one, model and host. */
    String description();

    /**
     * The answer to the question about the photo: non-empty text. Fails with a {@link StageException}
     * saying whether another attempt may help.
     */
    String answer(PhotoQuestion question, StageContext context);
}
