package io.xiaozhi.pipeline.common.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    private final Envelope envelope = new Envelope("s1", "aa:bb:cc:dd:ee:ff", "t1", 1_700_000_030_000L, "xiaozhi.downlink.gw");

    @Test
    void roundTripsThroughHeadersAndRewritingReplacesValues() {
        Headers headers = envelope.writeTo(new RecordHeaders());
        new Envelope("s1", "aa:bb:cc:dd:ee:ff", "t2", 1_700_000_040_000L, "xiaozhi.downlink.gw").writeTo(headers);
        Envelope read = Envelope.readFrom(headers);
        assertThat(read.turnId()).isEqualTo("t2");
        assertThat(read.deadlineEpochMs()).isEqualTo(1_700_000_040_000L);
        assertThat(headers.headers(EnvelopeHeaders.TURN)).hasSize(1);
        assertThat(new String(headers.lastHeader(EnvelopeHeaders.DEADLINE).value(), StandardCharsets.UTF_8)).isEqualTo("1700000040000");
    }

    @Test
    void deadlineIsInclusive() {
        assertThat(envelope.expiredAt(1_700_000_030_000L)).isFalse();
        assertThat(envelope.expiredAt(1_700_000_030_001L)).isTrue();
    }

    @Test
    void missingOrMalformedHeadersAreNamed() {
        Headers headers = envelope.writeTo(new RecordHeaders());
        headers.remove(EnvelopeHeaders.REPLY_TO);
        assertThatThrownBy(() -> Envelope.readFrom(headers)).isInstanceOf(EnvelopeException.class)
                .hasMessage("header xz.reply-to is missing");

        Headers bad = envelope.writeTo(new RecordHeaders());
        HeaderValues.putText(bad, EnvelopeHeaders.DEADLINE, "tomorrow");
        assertThatThrownBy(() -> Envelope.readFrom(bad)).hasMessage("header xz.deadline is not a whole number: 'tomorrow'");

        Headers empty = envelope.writeTo(new RecordHeaders());
        HeaderValues.putText(empty, EnvelopeHeaders.SESSION, "");
        assertThatThrownBy(() -> Envelope.readFrom(empty)).hasMessage("header xz.session is empty");

        Headers huge = envelope.writeTo(new RecordHeaders());
        huge.remove(EnvelopeHeaders.TURN);
        huge.add(EnvelopeHeaders.TURN, new byte[5000]);
        assertThatThrownBy(() -> Envelope.readFrom(huge)).hasMessageContaining("header xz.turn is 5000 bytes long");
    }

    @Test
    void flagsAndTimings() {
        Headers headers = new RecordHeaders();
        HeaderValues.putBoolean(headers, EnvelopeHeaders.LAST, true);
        HeaderValues.putTiming(headers, "eos", 10);
        HeaderValues.putTiming(headers, "asr.done", 250);
        assertThat(HeaderValues.flag(headers, EnvelopeHeaders.LAST)).isTrue();
        assertThat(HeaderValues.flag(headers, EnvelopeHeaders.FINAL)).isFalse();
        assertThat(HeaderValues.timings(headers)).containsExactly(java.util.Map.entry("asr.done", 250L), java.util.Map.entry("eos", 10L));
        HeaderValues.putText(headers, EnvelopeHeaders.FINAL, "yes");
        assertThatThrownBy(() -> HeaderValues.flag(headers, EnvelopeHeaders.FINAL)).hasMessage("header xz.final must be true or false, not 'yes'");
    }

    @Test
    void providerMillisIsReadLenientlyBecauseItOnlyFeedsAMeasurement() {
        Headers headers = new RecordHeaders();
        assertThat(HeaderValues.providerMillis(headers)).isEqualTo(-1);
        HeaderValues.putProviderMillis(headers, 1234);
        assertThat(HeaderValues.providerMillis(headers)).isEqualTo(1234);
        HeaderValues.putProviderMillis(headers, -5);
        assertThat(HeaderValues.providerMillis(headers)).isZero();
        HeaderValues.putText(headers, EnvelopeHeaders.PROVIDER_MILLIS, "soon");
        assertThat(HeaderValues.providerMillis(headers)).isEqualTo(-1);
        HeaderValues.putText(headers, EnvelopeHeaders.PROVIDER_MILLIS, "-3");
        assertThat(HeaderValues.providerMillis(headers)).isEqualTo(-1);
    }
}
