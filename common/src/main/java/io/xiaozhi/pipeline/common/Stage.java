package io.xiaozhi.pipeline.common;

import java.util.Locale;

/** The AI stages of the pipeline; each runs as its own worker service. */
public enum Stage {
    ASR, LLM, TTS, VLLM;

    /** The lower-case name used in topic names, configuration keys and metric tags. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
