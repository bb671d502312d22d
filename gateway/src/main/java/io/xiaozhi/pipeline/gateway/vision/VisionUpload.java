package io.xiaozhi.pipeline.gateway.vision;

/** An upload that passed every check: whose it is, the question, the photo and its detected type. */
public record VisionUpload(String deviceId, String question, byte[] image, ImageType type) {
}
