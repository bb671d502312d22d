package io.xiaozhi.pipeline.gateway.pipeline;

/** One utterance of one device's session and everything answered to it. */
public record Turn(String sessionId, String deviceId, String turnId) {
}
