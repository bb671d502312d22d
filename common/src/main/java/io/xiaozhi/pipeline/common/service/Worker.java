package io.xiaozhi.pipeline.common.service;

import io.xiaozhi.pipeline.common.runtime.StageHandler;

/**
 * One stage's work as a worker module supplies it: the handler the stage runtime calls, and whatever
 * it holds (providers, pools, caches) to release on {@link #close()} after the runtime has stopped.
 */
public interface Worker extends AutoCloseable {

    StageHandler handler();

    @Override
    default void close() throws Exception {
    }
}
