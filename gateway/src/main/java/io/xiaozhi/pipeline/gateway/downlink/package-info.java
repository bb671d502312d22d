/**
 * The paced downlink of one device session: {@link io.xiaozhi.pipeline.gateway.downlink.TurnAssembler}
 * puts a turn's sentences and audio chunks back in order, and
 * {@link io.xiaozhi.pipeline.gateway.downlink.DownlinkPacer} sends them to the device at playback speed
 * (docs/protocol.md §3 and §5). Pure logic on an injected clock: no Kafka, no WebSocket.
 */
package io.xiaozhi.pipeline.gateway.downlink;
