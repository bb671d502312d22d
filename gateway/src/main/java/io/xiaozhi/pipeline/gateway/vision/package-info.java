/**
 * The camera's photo upload, {@code POST /mcp/vision/explain}: short-lived tokens bound to a device
 * ({@link io.xiaozhi.pipeline.gateway.vision.VisionTokens}), reading and checking the multipart upload
 * ({@link io.xiaozhi.pipeline.gateway.vision.UploadReader}), and the round trip of the question and
 * photo through {@code xiaozhi.vllm.requests} to this gateway's downlink topic
 * ({@link io.xiaozhi.pipeline.gateway.vision.VisionRequests}). Every refusal is answered with HTTP 200
 * and {@code {"success":false,"message":…}}, because the device shows the body as the tool's result.
 */
package io.xiaozhi.pipeline.gateway.vision;
