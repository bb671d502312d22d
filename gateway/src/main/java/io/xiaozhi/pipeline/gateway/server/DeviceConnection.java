package io.xiaozhi.pipeline.gateway.server;

import io.javalin.websocket.WsContext;

/** One device's WebSocket connection, from handshake to close. */
public final class DeviceConnection {

    private final WsContext context;
    private final Handshake handshake;
    private final String sessionId;

    DeviceConnection(WsContext context, Handshake handshake, String sessionId) {
        this.context = context;
        this.handshake = handshake;
        this.sessionId = sessionId;
    }

    public Handshake handshake() {
        return handshake;
    }

    public String sessionId() {
        return sessionId;
    }

    void close(int code, String reason) {
        try {
            context.closeSession(code, reason);
        } catch (RuntimeException e) {
            // already closing
        }
    }
}
