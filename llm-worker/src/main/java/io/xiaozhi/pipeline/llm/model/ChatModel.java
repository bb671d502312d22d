package io.xiaozhi.pipeline.llm.model;

import io.xiaozhi.pipeline.common.runtime.StageContext;

/**
 * A language model that streams its reply. Implementations: an OpenAI-compatible HTTP API, and the
 * offline responder that stands in when none is configured.
 *
 * <p>{@link #stream} blocks until the reply is complete, delivering it to the listener as it
 * arrives, and returns why the model stopped. It finishes within {@link StageContext#timeLeft()}
 * (a little before, so that its own failure is the one the stage runtime sees) and gives up when
 * the turn is cancelled. Failures are {@link io.xiaozhi.pipeline.common.runtime.StageException}s
 * that say whether another attempt may help.
 */
public interface ChatModel extends AutoCloseable {

    FinishReason stream(ChatRequest request, ChatListener listener, StageContext context);

    /** What the model is, for logs: provider and model name. */
    String describe();

    @Override
    default void close() {
    }
}
