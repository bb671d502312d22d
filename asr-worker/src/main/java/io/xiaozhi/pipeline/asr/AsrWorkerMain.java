package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;

/**
 * The asr-worker process: settings from the data directory ({@code --data-dir}, see
 * {@link io.xiaozhi.pipeline.common.config.ServiceBootstrap}), Prometheus {@code /metrics} and
 * {@code /health}, and the speech-to-text stage on {@code xiaozhi.asr.requests} until the process is
 * stopped.
 */
public final class AsrWorkerMain {

    private AsrWorkerMain() {
    }

    public static void main(String[] args) {
        WorkerLauncher.main(Stage.ASR, args, AsrWorker::create);
    }
}
