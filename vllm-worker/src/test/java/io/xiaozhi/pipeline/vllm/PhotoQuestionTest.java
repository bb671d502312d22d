package io.xiaozhi.pipeline.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PhotoQuestionTest {

    private static byte[] payload(String question, String type, byte[] image) {
        return new VisionRequest(question, type, image).encode();
    }

    private static RejectedRequest rejected(byte[] payload) {
        try {
            PhotoQuestion.from(payload);
        } catch (RejectedRequest e) {
            assertThat(e.retryable()).isFalse();
            return e;
        }
        throw new AssertionError("the payload was accepted");
    }

    @Test
    void aCheckedPhotoKeepsItsBytesAndTheTrimmedQuestion() {
        byte[] jpeg = TestImages.jpeg();
        PhotoQuestion question = PhotoQuestion.from(payload("  What is this?\n", "image/jpeg", jpeg));
        assertThat(question.question()).isEqualTo("What is this?");
        assertThat(question.format()).isEqualTo(ImageFormat.JPEG);
        assertThat(question.image()).isEqualTo(jpeg);
    }

    @Test
    void aPayloadThatIsNotAVisionRequestIsRejectedWithTheCodecsMessage() {
        RejectedRequest e = rejected("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(e.rejection()).isEqualTo(Rejection.UNDECODABLE);
        assertThat(e.getMessage()).isEqualTo("not a vision request: vision payload has version 104; this build reads version 1");

        byte[] cut = payload("What is this?", "image/png", TestImages.png());
        e = rejected(Arrays.copyOf(cut, cut.length - 1));
        assertThat(e.getMessage()).isEqualTo("not a vision request: vision payload is cut off in the image");
        assertThat(rejected(new byte[0]).getMessage()).isEqualTo("not a vision request: vision payload is empty");
        assertThat(rejected(null).rejection()).isEqualTo(Rejection.UNDECODABLE);
    }

    @Test
    void textDeclaredAsPngIsNotAnImage() {
        RejectedRequest e = rejected(payload("What is this?", "image/png", "hello, world".getBytes(StandardCharsets.UTF_8)));
        assertThat(e.rejection()).isEqualTo(Rejection.NOT_AN_IMAGE);
        assertThat(e.getMessage()).isEqualTo("the image declared as image/png is not an image of any supported type"
                + " (it starts with 0x68656c6c6f2c2077…)");
    }

    @Test
    void aJpegDeclaredAsPngIsAMismatch() {
        RejectedRequest e = rejected(payload("What is this?", "image/png", TestImages.jpeg()));
        assertThat(e.rejection()).isEqualTo(Rejection.TYPE_MISMATCH);
        assertThat(e.getMessage()).isEqualTo("the image declared as image/png is a JPEG file (image/jpeg) by its first bytes");
    }

    @Test
    void anImageOverFiveMebibytesIsTooLarge() {
        byte[] image = Arrays.copyOf(TestImages.png(), VisionRequest.MAX_IMAGE_BYTES + 1);
        RejectedRequest e = rejected(payload("What is this?", "image/png", image));
        assertThat(e.rejection()).isEqualTo(Rejection.TOO_LARGE);
        assertThat(e.getMessage()).isEqualTo("the image has 5242881 bytes; at most 5242880 (5 MiB) are accepted");
        byte[] largest = Arrays.copyOf(TestImages.png(), VisionRequest.MAX_IMAGE_BYTES);
        assertThat(PhotoQuestion.from(payload("What is this?", "image/png", largest)).image()).hasSize(VisionRequest.MAX_IMAGE_BYTES);
    }

    @Test
    void otherTypesEmptyImagesAndBadQuestionsAreRejected() {
        RejectedRequest e = rejected(payload("What is this?", "image/svg+xml", "<svg/>".getBytes(StandardCharsets.UTF_8)));
        assertThat(e.rejection()).isEqualTo(Rejection.UNSUPPORTED_TYPE);
        assertThat(e.getMessage()).isEqualTo("the image type 'image/svg+xml' is not one of image/jpeg, image/png, image/gif,"
                + " image/bmp, image/tiff, image/webp");
        assertThat(rejected(payload("What is this?", "image/\u0000x", TestImages.png())).getMessage())
                .startsWith("the image type 'image/?x' is not one of");

        e = rejected(payload("What is this?", "image/gif", new byte[0]));
        assertThat(e.rejection()).isEqualTo(Rejection.EMPTY_IMAGE);
        assertThat(e.getMessage()).isEqualTo("the image declared as image/gif is empty");

        e = rejected(payload(" \n\t", "image/png", TestImages.png()));
        assertThat(e.rejection()).isEqualTo(Rejection.NO_QUESTION);
        assertThat(e.getMessage()).isEqualTo("the request has no question");

        e = rejected(payload("问".repeat(VisionRequest.MAX_QUESTION_CHARS + 1), "image/png", TestImages.png()));
        assertThat(e.rejection()).isEqualTo(Rejection.QUESTION_TOO_LONG);
        assertThat(e.getMessage()).isEqualTo("the question has 2001 characters; at most 2000 are accepted");
        assertThat(PhotoQuestion.from(payload("问".repeat(VisionRequest.MAX_QUESTION_CHARS), "image/png", TestImages.png())).question())
                .hasSize(VisionRequest.MAX_QUESTION_CHARS);
    }
}
