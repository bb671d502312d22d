package io.xiaozhi.pipeline.common.envelope;

/** A record whose headers or payload do not follow the envelope: missing or malformed fields. */
public final class EnvelopeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EnvelopeException(String message) {
        super(message);
    }
}
