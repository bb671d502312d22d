package io.xiaozhi.pipeline.gateway.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageTypeTest {

    private static byte[] of(int size, int... head) {
        byte[] data = new byte[size];
        for (int i = 0; i < head.length; i++) {
            data[i] = (byte) head[i];
        }
        return data;
    }

    @Test
    void recognisesEachAcceptedFormatByItsFirstBytes() {
        assertThat(ImageType.detect(of(64, 0xFF, 0xD8, 0xFF, 0xE0))).contains(ImageType.JPEG);
        assertThat(ImageType.detect(of(64, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A))).contains(ImageType.PNG);
        assertThat(ImageType.detect(of(64, 'G', 'I', 'F', '8', '9', 'a'))).contains(ImageType.GIF);
        assertThat(ImageType.detect(of(64, 'G', 'I', 'F', '8', '7', 'a'))).contains(ImageType.GIF);
        assertThat(ImageType.detect(of(64, 'B', 'M'))).contains(ImageType.BMP);
        assertThat(ImageType.detect(of(64, 'I', 'I', 0x2A, 0x00))).contains(ImageType.TIFF);
        assertThat(ImageType.detect(of(64, 'M', 'M', 0x00, 0x2A))).contains(ImageType.TIFF);
        assertThat(ImageType.detect(of(64, 'R', 'I', 'F', 'F', 1, 2, 3, 4, 'W', 'E', 'B', 'P'))).contains(ImageType.WEBP);
        assertThat(ImageType.WEBP.mimeType()).isEqualTo("image/webp");
    }

    @Test
    void anythingElseIsNotAnImage() {
        assertThat(ImageType.detect(new byte[0])).isEmpty();
        assertThat(ImageType.detect(of(2, 0xFF, 0xD8))).as("too short for a JPEG").isEmpty();
        assertThat(ImageType.detect(of(64, 'R', 'I', 'F', 'F', 1, 2, 3, 4, 'W', 'A', 'V', 'E'))).as("a WAV file").isEmpty();
        assertThat(ImageType.detect("BM".getBytes(StandardCharsets.US_ASCII))).as("two letters are no bitmap").isEmpty();
        byte[] zeros = new byte[1024];
        Arrays.fill(zeros, (byte) 0);
        assertThat(ImageType.detect(zeros)).isEmpty();
    }
}
