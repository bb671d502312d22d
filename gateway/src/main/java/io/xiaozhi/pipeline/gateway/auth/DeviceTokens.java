package io.xiaozhi.pipeline.gateway.auth;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;

/**
 * Device tokens as the reference server makes them:
 * {@code base64url(HMAC-SHA256(secret, "clientId|deviceId|ts")) + "." + ts}, with {@code ts} in epoch
 * seconds, valid for {@code server.auth.token_ttl_seconds}. Devices on the allow-list need none.
 */
public final class DeviceTokens {

    /** Why a connection was refused; the text is what the device is told when it is closed. */
    public enum Failure {
        MISSING_DEVICE_ID("Device-Id is missing"),
        MISSING_TOKEN("a token is required (Authorization: Bearer <token>)"),
        MALFORMED_TOKEN("the token is malformed"),
        BAD_SIGNATURE("the token is not valid for this device"),
        EXPIRED("the token has expired"),
        FROM_THE_FUTURE("the token is dated in the future");

        private final String reason;

        Failure(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The outcome of a check: empty failure means accepted. */
    public record Verdict(Failure failure) {
        public boolean accepted() {
            return failure == null;
        }
    }

    private static final Verdict ACCEPTED = new Verdict(null);
    private static final long ALLOWED_CLOCK_SKEW_SECONDS = 300;
    private static final int MAX_TOKEN_LENGTH = 256;

    private final ServiceConfig.Auth auth;
    private final Set<String> allowed;
    private final Clock clock;

    public DeviceTokens(ServiceConfig.Auth auth, Clock clock) {
        this.auth = auth;
        this.clock = clock;
        this.allowed = new HashSet<>();
        auth.allowedDevices().forEach(id -> allowed.add(normalise(id)));
    }

    public boolean enabled() {
        return auth.enabled();
    }

    /** A token for this device, valid from now; empty when auth is disabled. */
    public String issue(String clientId, String deviceId) {
        if (!auth.enabled()) {
            return "";
        }
        long ts = clock.instant().getEpochSecond();
        return sign(clientId, deviceId, ts) + "." + ts;
    }

    /**
     * Checks a connection's credentials. {@code authorization} is the header value (with or without
     * {@code Bearer }) or the query parameter.
     */
    public Verdict check(String clientId, String deviceId, String authorization) {
        if (!auth.enabled()) {
            return ACCEPTED;
        }
        if (deviceId == null || deviceId.isBlank()) {
            return new Verdict(Failure.MISSING_DEVICE_ID);
        }
        if (allowed.contains(normalise(deviceId))) {
            return ACCEPTED;
        }
        String token = Credentials.bearerToken(authorization);
        if (token.isEmpty()) {
            return new Verdict(Failure.MISSING_TOKEN);
        }
        int dot = token.lastIndexOf('.');
        if (token.length() > MAX_TOKEN_LENGTH || dot <= 0 || dot == token.length() - 1) {
            return new Verdict(Failure.MALFORMED_TOKEN);
        }
        long ts;
        try {
            ts = Long.parseLong(token.substring(dot + 1));
        } catch (NumberFormatException e) {
            return new Verdict(Failure.MALFORMED_TOKEN);
        }
        String expected = sign(clientId == null ? "" : clientId, deviceId, ts);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                token.substring(0, dot).getBytes(StandardCharsets.US_ASCII))) {
            return new Verdict(Failure.BAD_SIGNATURE);
        }
        long now = clock.instant().getEpochSecond();
        if (ts - now > ALLOWED_CLOCK_SKEW_SECONDS) {
            return new Verdict(Failure.FROM_THE_FUTURE);
        }
        if (now - ts > auth.tokenTtlSeconds()) {
            return new Verdict(Failure.EXPIRED);
        }
        return ACCEPTED;
    }

    private String sign(String clientId, String deviceId, long ts) {
        return Credentials.signature(Credentials.key(auth.secret()), clientId + "|" + deviceId + "|" + ts);
    }

    private static String normalise(String deviceId) {
        return deviceId.trim().toLowerCase(java.util.Locale.ROOT);
    }
}
