package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;

/** {@code tts-worker [--data-dir DIR]}: the text-to-speech stage as its own process. */
public final class TtsWorkerMain {

    private TtsWorkerMain() {
    }

    public static void main(String[] args) {
        WorkerLauncher.main(Stage.TTS, args, TtsWorker::create);
    }
}
