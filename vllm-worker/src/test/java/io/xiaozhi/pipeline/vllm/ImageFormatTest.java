package io.xiaozhi.pipeline.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageFormatTest {

    @Test
    void realImagesAreRecognisedByTheirFirstBytes() {
        assertThat(ImageFormat.detect(TestImages.jpeg())).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.detect(TestImages.png())).contains(ImageFormat.PNG);
        assertThat(ImageFormat.detect(TestImages.gif())).contains(ImageFormat.GIF);
        assertThat(ImageFormat.detect(TestImages.bmp())).contains(ImageFormat.BMP);
        assertThat(ImageFormat.detect(TestImages.tiff())).contains(ImageFormat.TIFF);
        assertThat(ImageFormat.detect(TestImages.WEBP)).contains(ImageFormat.WEBP);
    }

    @Test
    void bigEndianTiffAndGif87AreRecognisedToo() {
        assertThat(ImageFormat.detect(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8})).contains(ImageFormat.TIFF);
        assertThat(ImageFormat.detect("GIF87a\u0001\u0000\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1))).contains(ImageFormat.GIF);
    }

    @Test
    void textTruncatedSignaturesAndOtherRiffFilesAreNotImages() {
        assertThat(ImageFormat.detect("just some text, not a picture".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(ImageFormat.detect(new byte[0])).isEmpty();
        assertThat(ImageFormat.detect(Arrays.copyOf(TestImages.png(), 7))).as("PNG signature cut short").isEmpty();
        assertThat(ImageFormat.detect(Arrays.copyOf(TestImages.bmp(), 20))).as("'BM' without room for a BMP header").isEmpty();
        byte[] wave = TestImages.WEBP.clone();
        System.arraycopy("WAVE".getBytes(StandardCharsets.US_ASCII), 0, wave, 8, 4);
        assertThat(ImageFormat.detect(wave)).as("a RIFF file of another form").isEmpty();
    }

    @Test
    void mimeTypesAreMatchedIgnoringCaseAndSpaces() {
        for (ImageFormat format : ImageFormat.values()) {
            assertThat(ImageFormat.ofMimeType(format.mimeType())).contains(format);
        }
        assertThat(ImageFormat.ofMimeType(" Image/JPEG ")).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.ofMimeType("image/svg+xml")).isEmpty();
        assertThat(ImageFormat.ofMimeType("")).isEmpty();
    }
}
