package io.xiaozhi.pipeline.common.envelope;

import org.apache.kafka.common.header.Headers;

/**
 * The fields every request of a turn carries in its headers: whose it is, which turn, until when it
 * is worth doing, and where answers go.
 */
public record Envelope(String sessionId, String deviceId, String turnId, long deadlineEpochMs, String replyTo) {

    public Envelope {
        requireText(sessionId, EnvelopeHeaders.SESSION);
        requireText(deviceId, EnvelopeHeaders.DEVICE);
        requireText(turnId, EnvelopeHeaders.TURN);
        requireText(replyTo, EnvelopeHeaders.REPLY_TO);
        if (deadlineEpochMs <= 0) {
            throw new EnvelopeException("header " + EnvelopeHeaders.DEADLINE + " must be a positive epoch time in ms, not " + deadlineEpochMs);
        }
    }

    /** Whether the turn's deadline has passed at {@code nowEpochMs}. */
    public boolean expiredAt(long nowEpochMs) {
        return nowEpochMs > deadlineEpochMs;
    }

    /** Writes the fields into {@code headers}, replacing earlier values. */
    public Headers writeTo(Headers headers) {
        HeaderValues.putText(headers, EnvelopeHeaders.SESSION, sessionId);
        HeaderValues.putText(headers, EnvelopeHeaders.DEVICE, deviceId);
        HeaderValues.putText(headers, EnvelopeHeaders.TURN, turnId);
        HeaderValues.putLong(headers, EnvelopeHeaders.DEADLINE, deadlineEpochMs);
        HeaderValues.putText(headers, EnvelopeHeaders.REPLY_TO, replyTo);
        return headers;
    }

    /** Reads the fields; throws {@link EnvelopeException} naming the first missing or malformed header. */
    public static Envelope readFrom(Headers headers) {
        return new Envelope(
                HeaderValues.requiredText(headers, EnvelopeHeaders.SESSION),
                HeaderValues.requiredText(headers, EnvelopeHeaders.DEVICE),
                HeaderValues.requiredText(headers, EnvelopeHeaders.TURN),
                HeaderValues.requiredNumber(headers, EnvelopeHeaders.DEADLINE),
                HeaderValues.requiredText(headers, EnvelopeHeaders.REPLY_TO));
    }

    private static void requireText(String value, String header) {
        if (value == null || value.isEmpty()) {
            throw new EnvelopeException("header " + header + " is missing or empty");
        }
    }
}
