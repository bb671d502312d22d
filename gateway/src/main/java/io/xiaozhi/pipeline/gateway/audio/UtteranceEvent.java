package io.xiaozhi.pipeline.gateway.audio;

/** What an {@link UtteranceDetector} reports; times are milliseconds from the start of the stream. */
public sealed interface UtteranceEvent {

    /** Speech has lasted the minimum duration; it began at {@code startMillis}. */
    record SpeechStarted(long startMillis) implements UtteranceEvent {
    }

    /** The utterance that began at {@code startMillis} ended at {@code endMillis}, after enough silence. */
    record SpeechEnded(long startMillis, long endMillis) implements UtteranceEvent {
    }
}
