package io.xiaozhi.pipeline.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** What every token check shares: reading a bearer token, and HMAC-SHA256 signatures. */
public final class Credentials {

    private static final Pattern BEARER = Pattern.compile("^(?i)bearer(\\s+|$)");

    private Credentials() {
    }

    /** The token of an {@code Authorization} value, with or without {@code Bearer }; "" when there is none. */
    public static String bearerToken(String authorization) {
        return authorization == null ? "" : BEARER.matcher(authorization.trim()).replaceFirst("").trim();
    }

    /** HMAC-SHA256 of {@code message} (UTF-8) under {@code key}. */
    public static byte[] hmacSha256(SecretKeySpec key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** The same, written as unpadded base64url, as tokens carry it. */
    public static String signature(SecretKeySpec key, String message) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hmacSha256(key, message));
    }

    public static SecretKeySpec key(String secret) {
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }
}
