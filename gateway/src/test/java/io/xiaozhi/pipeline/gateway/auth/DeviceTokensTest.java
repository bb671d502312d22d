package io.xiaozhi.pipeline.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class DeviceTokensTest {

    private static final String SECRET = "0123456789abcdef-secret";
    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");
    private final ServiceConfig.Auth auth = new ServiceConfig.Auth(true, SECRET, 3600, List.of("AA:BB:CC:DD:EE:01"));

    private DeviceTokens at(Instant instant) {
        return new DeviceTokens(auth, Clock.fixed(instant, ZoneOffset.UTC));
    }

    @Test
    void tokensFollowTheReferenceFormat() throws Exception {
        String token = at(T0).issue("client-1", "aa:bb:cc:dd:ee:ff");
        long ts = T0.getEpochSecond();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(("client-1|aa:bb:cc:dd:ee:ff|" + ts).getBytes(StandardCharsets.UTF_8)));
        assertThat(token).isEqualTo(signature + "." + ts);
    }

    @Test
    void aFreshTokenIsAcceptedWithOrWithoutBearer() {
        String token = at(T0).issue("client-1", "aa:bb:cc:dd:ee:ff");
        assertThat(at(T0.plusSeconds(10)).check("client-1", "aa:bb:cc:dd:ee:ff", "Bearer " + token).accepted()).isTrue();
        assertThat(at(T0.plusSeconds(10)).check("client-1", "aa:bb:cc:dd:ee:ff", token).accepted()).isTrue();
    }

    @Test
    void eachFailureHasItsReason() {
        String token = at(T0).issue("client-1", "aa:bb:cc:dd:ee:ff");
        DeviceTokens later = at(T0.plusSeconds(3601));
        assertThat(later.check("client-1", "aa:bb:cc:dd:ee:ff", token).failure()).isEqualTo(DeviceTokens.Failure.EXPIRED);
        DeviceTokens now = at(T0);
        assertThat(now.check("client-1", "aa:bb:cc:dd:ee:00", token).failure()).isEqualTo(DeviceTokens.Failure.BAD_SIGNATURE);
        assertThat(now.check("client-2", "aa:bb:cc:dd:ee:ff", token).failure()).isEqualTo(DeviceTokens.Failure.BAD_SIGNATURE);
        assertThat(now.check("client-1", "aa:bb:cc:dd:ee:ff", "").failure()).isEqualTo(DeviceTokens.Failure.MISSING_TOKEN);
        assertThat(now.check("client-1", "aa:bb:cc:dd:ee:ff", "Bearer nodot").failure()).isEqualTo(DeviceTokens.Failure.MALFORMED_TOKEN);
        assertThat(now.check("client-1", "aa:bb:cc:dd:ee:ff", "abc.notanumber").failure()).isEqualTo(DeviceTokens.Failure.MALFORMED_TOKEN);
        assertThat(now.check("client-1", "", token).failure()).isEqualTo(DeviceTokens.Failure.MISSING_DEVICE_ID);
        String future = at(T0.plusSeconds(3600)).issue("client-1", "aa:bb:cc:dd:ee:ff");
        assertThat(now.check("client-1", "aa:bb:cc:dd:ee:ff", future).failure()).isEqualTo(DeviceTokens.Failure.FROM_THE_FUTURE);
    }

    @Test
    void allowListedDevicesNeedNoToken() {
        assertThat(at(T0).check("", "aa:bb:cc:dd:ee:01", "").accepted()).isTrue();
    }

    @Test
    void disabledAuthAcceptsEverythingAndIssuesNothing() {
        DeviceTokens off = new DeviceTokens(new ServiceConfig.Auth(false, "", 3600, List.of()), Clock.systemUTC());
        assertThat(off.check(null, null, null).accepted()).isTrue();
        assertThat(off.issue("c", "d")).isEmpty();
    }
}
