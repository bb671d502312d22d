package io.xiaozhi.pipeline.gateway.vision;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.gateway.auth.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens for the vision upload, handed to a device in MCP {@code initialize}: bound to the device id
 * and valid until an expiry (one hour by default, as the reference server).
 *
 * <p>Format: {@code base64url(deviceId) "." expiresAtEpochSeconds "." base64url(HMAC-SHA256(key, deviceId "|" expiresAt))}.
 * The key is derived from {@code server.auth.secret} when that is set, so every gateway sharing the
 * secret accepts every other's tokens; otherwise it is random for this process, and a token is good
 * only at the gateway that issued it.
 */
public final class VisionTokens {

    /** The reference server's token lifetime. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    /** Why a token was not accepted. */
    public enum Failure {
        MISSING("a token is required (Authorization: Bearer <token>)"),
        MALFORMED("the token is malformed"),
        BAD_SIGNATURE("the token's signature is not valid"),
        EXPIRED("the token has expired"),
        DEVICE_MISMATCH("the token was issued to another device");

        private final String reason;

        Failure(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The outcome of a check: a null failure means accepted. */
    public record Verdict(Failure failure) {
        public boolean accepted() {
            return failure == null;
        }
    }

    private static final Verdict ACCEPTED = new Verdict(null);
    private static final int MAX_TOKEN_LENGTH = 512;
    private static final String KEY_LABEL = "xiaozhi vision upload token";

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    public VisionTokens(byte[] key, Duration ttl, Clock clock) {
        if (key.length < 16) {
            throw new IllegalArgumentException("a vision token key needs at least 16 bytes");
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Keyed by {@code server.auth.secret} when it is set, else by a random key of this process; one-hour tokens. */
    public static VisionTokens forAuth(ServiceConfig.Auth auth, Clock clock) {
        byte[] key;
        if (auth.secret() == null || auth.secret().isEmpty()) {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        } else {
            key = Credentials.hmacSha256(Credentials.key(auth.secret()), KEY_LABEL);
        }
        return new VisionTokens(key, DEFAULT_TTL, clock);
    }

    /** A token for this device, valid for the configured lifetime from now. */
    public String issue(String deviceId) {
        String device = normalise(deviceId);
        if (device.isEmpty()) {
            throw new IllegalArgumentException("a vision token needs a device id");
        }
        long expiresAt = clock.instant().plus(ttl).getEpochSecond();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(device.getBytes(StandardCharsets.UTF_8))
                + "." + expiresAt + "." + sign(device, expiresAt);
    }

    /**
     * Checks the token an upload came with against the device it claims to be. {@code authorization}
     * is the header value, with or without {@code Bearer }.
     */
    public Verdict check(String deviceId, String authorization) {
        String token = Credentials.bearerToken(authorization);
        if (token.isEmpty()) {
            return new Verdict(Failure.MISSING);
        }
        String[] parts = token.split("\\.", -1);
        if (token.length() > MAX_TOKEN_LENGTH || parts.length != 3) {
            return new Verdict(Failure.MALFORMED);
        }
        String tokenDevice;
        long expiresAt;
        try {
            tokenDevice = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
            expiresAt = Long.parseLong(parts[1]);
        } catch (IllegalArgumentException e) {
            return new Verdict(Failure.MALFORMED);
        }
        if (tokenDevice.isEmpty()) {
            return new Verdict(Failure.MALFORMED);
        }
        if (!MessageDigest.isEqual(sign(tokenDevice, expiresAt).getBytes(StandardCharsets.US_ASCII),
                parts[2].getBytes(StandardCharsets.US_ASCII))) {
            return new Verdict(Failure.BAD_SIGNATURE);
        }
        if (clock.instant().getEpochSecond() >= expiresAt) {
            return new Verdict(Failure.EXPIRED);
        }
        if (!tokenDevice.equals(normalise(deviceId))) {
            return new Verdict(Failure.DEVICE_MISMATCH);
        }
        return ACCEPTED;
    }

    private String sign(String device, long expiresAt) {
        return Credentials.signature(key, device + "|" + expiresAt);
    }

    private static String normalise(String deviceId) {
        return deviceId == null ? "" : deviceId.trim().toLowerCase(Locale.ROOT);
    }
}
