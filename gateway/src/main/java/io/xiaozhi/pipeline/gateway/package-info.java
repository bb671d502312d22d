/** The device-facing service: WebSocket, OTA, vision upload, VAD, admission and the paced downlink. */
package io.xiaozhi.pipeline.gateway;
