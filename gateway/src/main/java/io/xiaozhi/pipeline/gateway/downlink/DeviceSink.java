package io.xiaozhi.pipeline.gateway.downlink;

/**
 * Where a session's downlink goes: the device's WebSocket. Both methods must return at once (queue
 * the frame and write it asynchronously): the pacer calls them on a timer thread shared by all
 * sessions. A method that throws ends the current turn as failed.
 */
public interface DeviceSink {

    /** Sends one JSON text message. */
    void sendJson(String json);

    /** Sends one Opus packet, framed as the session's protocol version requires. */
    void sendAudio(byte[] packet);
}
