package io.xiaozhi.pipeline.loadtest.fleet;

import java.net.URI;
import java.time.Duration;

/**
 * How a {@link Fleet} runs.
 *
 * @param url the gateway's WebSocket URL (replaced by the OTA answer's {@code websocket.url} when {@code ota} is set)
 * @param ota the OTA endpoint to call first, or {@code null}
 * @param token the bearer token to present, empty for none (an OTA answer's token wins)
 * @param devices how many devices
 * @param protocolVersion the binary framing, 1, 2 or 3
 * @param manual push-to-talk ({@code listen stop} after the speech) rather than the server's VAD
 * @param ramp the devices start evenly over this time
 * @param duration how long the devices keep starting turns once the ramp is over; {@link Duration#ZERO} for no limit
 * @param turnsPerDevice turns each device makes, 0 for no limit (then {@code duration} must be set)
 * @param thinkTime pause between a turn's end and the next turn
 * @param turnTimeout a turn without {@code tts stop} this long after the end of speech is a timeout
 * @param silence silence sent after the speech in auto mode (stops early when the server answers)
 * @param lateThreshold a frame arriving later than this after its slot on the 60 ms schedule is late
 * @param devicePrefix the first bytes of the devices' MAC-like ids, e.g. {@code 02:00:00}
 */
public record FleetSettings(URI url, URI ota, String token, int devices, int protocolVersion, boolean manual, Duration ramp,
                            Duration duration, int turnsPerDevice, Duration thinkTime, Duration turnTimeout, Duration silence,
                            Duration lateThreshold, String devicePrefix) {

    public static final Duration FRAME = Duration.ofMillis(60);
    public static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);

    public FleetSettings {
        Framing.requireSupported(protocolVersion);
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be at least 1, not " + devices);
        }
        if (turnsPerDevice < 0) {
            throw new IllegalArgumentException("turns-per-device must not be negative");
        }
        if (turnsPerDevice == 0 && duration.isZero()) {
            throw new IllegalArgumentException("give --duration or --turns-per-device (or both): the run would never end");
        }
        if (turnTimeout.isZero() || turnTimeout.isNegative()) {
            throw new IllegalArgumentException("turn-timeout must be positive");
        }
        if (url == null || !("ws".equals(url.getScheme()) || "wss".equals(url.getScheme()))) {
            throw new IllegalArgumentException("url must be a ws:// or wss:// URL, not " + url);
        }
        if (ota != null && !("http".equals(ota.getScheme()) || "https".equals(ota.getScheme()))) {
            throw new IllegalArgumentException("ota must be an http:// or https:// URL, not " + ota);
        }
        token = token == null ? "" : token;
    }

    /** The id of device {@code index}: the prefix and three more MAC bytes. */
    public String deviceId(int index) {
        return String.format("%s:%02x:%02x:%02x", devicePrefix, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff);
    }
}
