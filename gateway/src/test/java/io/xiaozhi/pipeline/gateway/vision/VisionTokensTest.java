package io.xiaozhi.pipeline.gateway.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class VisionTokensTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();

    private static VisionTokens at(Instant instant) {
        return new VisionTokens(KEY, VisionTokens.DEFAULT_TTL, Clock.fixed(instant, ZoneOffset.UTC));
    }

    private static VisionTokens.Failure failure(VisionTokens tokens, String device, String authorization) {
        return tokens.check(device, authorization).failure();
    }

    @Test
    void aFreshTokenIsAcceptedForItsDeviceWithOrWithoutBearerAndInAnyCase() {
        String token = at(NOW).issue("AA:BB:CC:DD:EE:FF");
        assertThat(at(NOW).check("aa:bb:cc:dd:ee:ff", "Bearer " + token).accepted()).isTrue();
        assertThat(at(NOW.plusSeconds(3599)).check("AA:BB:CC:DD:EE:FF", token).accepted()).isTrue();
    }

    @Test
    void eachFailureHasItsOwnReason() {
        String token = at(NOW).issue("aa:bb:cc:dd:ee:ff");
        assertThat(failure(at(NOW), "aa:bb:cc:dd:ee:ff", null)).isEqualTo(VisionTokens.Failure.MISSING);
        assertThat(failure(at(NOW), "aa:bb:cc:dd:ee:ff", "Bearer ")).isEqualTo(VisionTokens.Failure.MISSING);
        assertThat(failure(at(NOW), "aa:bb:cc:dd:ee:ff", "not-a-token")).isEqualTo(VisionTokens.Failure.MALFORMED);
        assertThat(failure(at(NOW), "aa:bb:cc:dd:ee:ff", "a.b.c")).isEqualTo(VisionTokens.Failure.MALFORMED);
        assertThat(failure(at(NOW), "aa:bb:cc:dd:ee:ff", "!!.1.c")).isEqualTo(VisionTokens.Failure.MALFORMED);
        String[] parts = token.split("\\.");
        String longer = parts[0] + "." + (Long.parseLong(parts[1]) + 3600) + "." + parts[2];
        assertThat(failure(at(NOW), "aa:bb:cc:dd:ee:ff", longer)).as("a forged expiry").isEqualTo(VisionTokens.Failure.BAD_SIGNATURE);
        assertThat(failure(at(NOW.plus(Duration.ofHours(1))), "aa:bb:cc:dd:ee:ff", token)).isEqualTo(VisionTokens.Failure.EXPIRED);
        assertThat(failure(at(NOW), "11:22:33:44:55:66", token)).isEqualTo(VisionTokens.Failure.DEVICE_MISMATCH);
    }

    @Test
    void aRandomKeyIsThisProcessOnlyButTheConfiguredSecretIsShared() {
        ServiceConfig.Auth none = new ServiceConfig.Auth(false, "", 2_592_000, List.of());
        ServiceConfig.Auth secret = new ServiceConfig.Auth(false, "shared-secret-of-16+chars", 2_592_000, List.of());
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        String random = VisionTokens.forAuth(none, clock).issue("aa:bb:cc:dd:ee:ff");
        assertThat(VisionTokens.forAuth(none, clock).check("aa:bb:cc:dd:ee:ff", random).failure())
                .isEqualTo(VisionTokens.Failure.BAD_SIGNATURE);
        String shared = VisionTokens.forAuth(secret, clock).issue("aa:bb:cc:dd:ee:ff");
        assertThat(VisionTokens.forAuth(secret, clock).check("aa:bb:cc:dd:ee:ff", shared).accepted()).isTrue();
    }
}
