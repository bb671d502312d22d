package io.xiaozhi.pipeline.tts.provider;

import io.xiaozhi.pipeline.common.runtime.StageException;

/** A synthesis failure with the reason it is counted under in {@code xiaozhi.tts.sentences.failed}. */
public class SynthesisFailure extends StageException {

    private static final long serialVersionUID = 1L;

    /** The sentence has nothing to say (blank, only emoji or punctuation). */
    public static final String UNSPEAKABLE = "unspeakable";
    /** The provider produced no audio for speakable text (the offline voice speaks English only). */
    public static final String NO_AUDIO = "no_audio";
    /** The provider's answer is not the audio the API promises. */
    public static final String MALFORMED = "malformed";
    /** The provider did not finish within the attempt's time. */
    public static final String TIMEOUT = "timeout";
    /** The provider refused the request (HTTP 4xx other than 408 and 429). */
    public static final String REJECTED = "rejected";
    /** The provider stayed unavailable (429, 5xx, connection errors) until the last attempt. */
    public static final String UNAVAILABLE = "unavailable";
    /** The provider failed after part of the sentence's audio had been sent. */
    public static final String INTERRUPTED = "interrupted";
    /** A fault of this worker or the offline engine. */
    public static final String INTERNAL = "internal";

    private final String reason;

    public SynthesisFailure(String reason, String message, boolean retryable) {
        super(message, retryable);
        this.reason = reason;
    }

    public SynthesisFailure(String reason, String message, boolean retryable, Throwable cause) {
        super(message, retryable, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
