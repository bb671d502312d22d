package io.xiaozhi.pipeline.llm;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;

/** {@code llm-worker [--data-dir DIR]}: the language-model stage as a process of its own. */
public final class LlmWorkerMain {

    private LlmWorkerMain() {
    }

    public static void main(String[] args) {
        WorkerLauncher.main(Stage.LLM, args, new LlmWorkerFactory());
    }
}
