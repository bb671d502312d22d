package io.xiaozhi.pipeline.gateway.vision;

import io.xiaozhi.pipeline.common.envelope.VisionRequest;

/**
 * Why an upload was not taken: the {@code reason} tag of {@code xiaozhi.gateway.vision.refused} and
 * the message the device is shown.
 */
public enum Refusal {
    MISSING_DEVICE_ID("missing_device_id", "Device-Id is missing"),
    MISSING_TOKEN("missing_token", VisionTokens.Failure.MISSING.reason()),
    MALFORMED_TOKEN("malformed_token", VisionTokens.Failure.MALFORMED.reason()),
    BAD_SIGNATURE("bad_signature", VisionTokens.Failure.BAD_SIGNATURE.reason()),
    EXPIRED_TOKEN("expired_token", VisionTokens.Failure.EXPIRED.reason()),
    DEVICE_MISMATCH("device_mismatch", VisionTokens.Failure.DEVICE_MISMATCH.reason()),
    NOT_MULTIPART("not_multipart", "the upload must be multipart/form-data with a boundary"),
    MALFORMED_FORM("malformed_form", "the multipart form is malformed"),
    UNREADABLE("unreadable", "the upload could not be read to its end"),
    MISSING_QUESTION("missing_question", "the question is missing"),
    QUESTION_TOO_LONG("question_too_long", "the question is longer than " + VisionRequest.MAX_QUESTION_CHARS + " characters"),
    MISSING_IMAGE("missing_image", "the image (part 'file') is missing or empty"),
    IMAGE_TOO_LARGE("image_too_large", "the image is larger than " + VisionRequest.MAX_IMAGE_BYTES / (1024 * 1024) + " MB"),
    NOT_AN_IMAGE("not_an_image", "the file is not a JPEG, PNG, GIF, BMP, TIFF or WEBP image"),
    BUSY("busy", "the server is busy with other photos; try again shortly");

    private final String tag;
    private final String message;

    Refusal(String tag, String message) {
        this.tag = tag;
        this.message = message;
    }

    public String tag() {
        return tag;
    }

    public String message() {
        return message;
    }

    /** The refusal for a token that was not accepted. */
    public static Refusal of(VisionTokens.Failure failure) {
        return switch (failure) {
            case MISSING -> MISSING_TOKEN;
            case MALFORMED -> MALFORMED_TOKEN;
            case BAD_SIGNATURE -> BAD_SIGNATURE;
            case EXPIRED -> EXPIRED_TOKEN;
            case DEVICE_MISMATCH -> DEVICE_MISMATCH;
        };
    }
}
