package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;

/**
 * The vllm-worker process: settings from the data directory ({@code --data-dir}, see
 * {@link io.xiaozhi.pipeline.common.config.ServiceBootstrap}), Prometheus {@code /metrics} and
 * {@code /health}, and the vision stage on {@code xiaozhi.vllm.requests} until the process is stopped.
 */
public final class VllmWorkerMain {

    private VllmWorkerMain() {
    }

    public static void main(String[] args) {
        WorkerLauncher.main(Stage.VLLM, args, VllmWorker::create);
    }
}
