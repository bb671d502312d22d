package io.xiaozhi.pipeline.common.runtime;

import java.util.concurrent.CompletionStage;

/**
 * What a worker module supplies: process one request. Everything else (threads, permits, offsets,
 * deadlines, retries, dead letters, cancellation, metrics) is the runtime's.
 *
 * <p>{@code handle} is called on a runtime thread, which it may block (a blocking provider call is
 * fine: there are as many threads as permits). Its outputs go through {@link StageContext#send}; the
 * request counts as done when the returned stage completes and every send has been acknowledged.
 * Failing the stage with a {@link StageException} says whether another attempt may help. The same
 * request may be handled more than once (a retry, or redelivery after a crash or rebalance), so
 * outputs must be idempotent by turn and sequence.
 */
@FunctionalInterface
public interface StageHandler {

    CompletionStage<Void> handle(StageRequest request, StageContext context) throws Exception;
}
