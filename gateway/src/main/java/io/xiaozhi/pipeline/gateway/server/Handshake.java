package io.xiaozhi.pipeline.gateway.server;

import java.util.function.Function;

/**
 * What a device says about itself when it opens the WebSocket: headers, or query parameters for
 * clients that cannot set headers (browsers, test tools).
 */
public record Handshake(String deviceId, String clientId, String authorization, int protocolVersion) {

    public static final int MAX_ID_LENGTH = 64;

    /** Reads the handshake; {@code header} and {@code query} return null for what is absent. */
    public static Handshake read(Function<String, String> header, Function<String, String> query) {
        String deviceId = first(header.apply("Device-Id"), query.apply("device-id"), query.apply("device_id"));
        String clientId = first(header.apply("Client-Id"), query.apply("client-id"), query.apply("client_id"));
        String authorization = first(header.apply("Authorization"), query.apply("authorization"), query.apply("token"));
        return new Handshake(clean(deviceId), clean(clientId), authorization == null ? "" : authorization,
                protocolVersion(first(header.apply("Protocol-Version"), query.apply("protocol-version"), null)));
    }

    /** 1, 2 or 3; anything else (absent, garbage) is the firmware's default, 1. */
    static int protocolVersion(String value) {
        if (value == null) {
            return 1;
        }
        return switch (value.trim()) {
            case "2" -> 2;
            case "3" -> 3;
            default -> 1;
        };
    }

    private static String first(String a, String b, String c) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        if (b != null && !b.isBlank()) {
            return b;
        }
        return c != null && !c.isBlank() ? c : null;
    }

    /** Trims, lower-cases MAC-style ids, and refuses ids too long or with control characters. */
    private static String clean(String id) {
        if (id == null) {
            return "";
        }
        String trimmed = id.trim();
        if (trimmed.length() > MAX_ID_LENGTH || trimmed.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            return "";
        }
        return trimmed.toLowerCase(java.util.Locale.ROOT);
    }
}
