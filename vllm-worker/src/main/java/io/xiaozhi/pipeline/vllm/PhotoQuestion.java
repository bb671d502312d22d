package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A vision request that passed the stage's checks: a question of 1 to
 * {@link VisionRequest#MAX_QUESTION_CHARS} characters, and an image of at most
 * {@link VisionRequest#MAX_IMAGE_BYTES} whose first bytes are the signature of the type it was
 * declared as. {@link #from(byte[])} is the only way to get one from a record.
 *
 * @param question what the user asked, with surrounding white space removed
 * @param format the image's format, declared and confirmed by its bytes
 * @param image the image file
 */
public record PhotoQuestion(String question, ImageFormat format, byte[] image) {

    private static final int QUOTED_BYTES = 8;

    /**
     * Decodes and checks a {@link VisionRequest} payload; throws {@link RejectedRequest} saying what
     * is wrong with it.
     */
    public static PhotoQuestion from(byte[] payload) {
        VisionRequest request;
        try {
            request = VisionRequest.decode(payload);
        } catch (EnvelopeException e) {
            throw new RejectedRequest(Rejection.UNDECODABLE, "not a vision request: " + e.getMessage());
        }
        byte[] image = request.image();
        if (image.length > VisionRequest.MAX_IMAGE_BYTES) {
            throw new RejectedRequest(Rejection.TOO_LARGE, "the image has " + image.length + " bytes; at most "
                    + VisionRequest.MAX_IMAGE_BYTES + " (5 MiB) are accepted");
        }
        ImageFormat declared = ImageFormat.ofMimeType(request.imageType()).orElseThrow(() -> new RejectedRequest(
                Rejection.UNSUPPORTED_TYPE, "the image type '" + printable(request.imageType()) + "' is not one of " + supportedTypes()));
        if (image.length == 0) {
            throw new RejectedRequest(Rejection.EMPTY_IMAGE, "the image declared as " + declared.mimeType() + " is empty");
        }
        Optional<ImageFormat> actual = ImageFormat.detect(image);
        if (actual.isEmpty()) {
            throw new RejectedRequest(Rejection.NOT_AN_IMAGE, "the image declared as " + declared.mimeType()
                    + " is not an image of any supported type (it starts with " + firstBytes(image) + ")");
        }
        if (actual.get() != declared) {
            throw new RejectedRequest(Rejection.TYPE_MISMATCH, "the image declared as " + declared.mimeType() + " is a "
                    + actual.get().name() + " file (" + actual.get().mimeType() + ") by its first bytes");
        }
        String question = request.question().strip();
        if (question.isEmpty()) {
            throw new RejectedRequest(Rejection.NO_QUESTION, "the request has no question");
        }
        int length = question.codePointCount(0, question.length());
        if (length > VisionRequest.MAX_QUESTION_CHARS) {
            throw new RejectedRequest(Rejection.QUESTION_TOO_LONG, "the question has " + length + " characters; at most "
                    + VisionRequest.MAX_QUESTION_CHARS + " are accepted");
        }
        return new PhotoQuestion(question, declared, image);
    }

    private static String supportedTypes() {
        StringBuilder out = new StringBuilder();
        for (ImageFormat format : ImageFormat.values()) {
            out.append(out.length() == 0 ? "" : ", ").append(format.mimeType());
        }
        return out.toString();
    }

    private static String firstBytes(byte[] image) {
        int n = Math.min(QUOTED_BYTES, image.length);
        return "0x" + HexFormat.of().formatHex(image, 0, n) + (image.length > n ? "…" : "");
    }

    /** A declared type as it may be quoted in a message: at most 64 characters, controls replaced. */
    private static String printable(String text) {
        String shown = text.length() > 64 ? text.substring(0, 64) + "…" : text;
        return shown.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
