package io.xiaozhi.pipeline.common.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VisionRequestTest {

    @Test
    void roundTripsQuestionTypeAndImage() {
        byte[] image = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3};
        VisionRequest decoded = VisionRequest.decode(new VisionRequest("这是什么？", "image/jpeg", image).encode());
        assertThat(decoded.question()).isEqualTo("这是什么？");
        assertThat(decoded.imageType()).isEqualTo("image/jpeg");
        assertThat(decoded.image()).isEqualTo(image);
    }

    @Test
    void refusesForeignTruncatedAndPaddedPayloads() {
        byte[] payload = new VisionRequest("q", "image/png", new byte[] {1, 2, 3}).encode();
        assertThatThrownBy(() -> VisionRequest.decode(new byte[0])).isInstanceOf(EnvelopeException.class).hasMessageContaining("empty");
        byte[] foreign = payload.clone();
        foreign[0] = 9;
        assertThatThrownBy(() -> VisionRequest.decode(foreign)).hasMessageContaining("version 9");
        assertThatThrownBy(() -> VisionRequest.decode(Arrays.copyOf(payload, payload.length - 1))).hasMessageContaining("cut off in the image");
        assertThatThrownBy(() -> VisionRequest.decode(Arrays.copyOf(payload, 5))).hasMessageContaining("cut off");
        assertThatThrownBy(() -> VisionRequest.decode(Arrays.copyOf(payload, payload.length + 2))).hasMessageContaining("2 bytes after the image");
    }
}
