package io.xiaozhi.pipeline.vllm;

/**
 * Why the vision stage refuses a request without asking a model: the {@code reason} tag of
 * {@code xiaozhi.vllm.rejected}. Each is final (another attempt would see the same bytes).
 */
public enum Rejection {
    /** The payload is not a {@link io.xiaozhi.pipeline.common.envelope.VisionRequest}. */
    UNDECODABLE("undecodable"),
    /** The image is larger than {@link io.xiaozhi.pipeline.common.envelope.VisionRequest#MAX_IMAGE_BYTES}. */
    TOO_LARGE("too_large"),
    /** The declared image type is not one of the {@link ImageFormat}s. */
    UNSUPPORTED_TYPE("unsupported_type"),
    /** The image has no bytes. */
    EMPTY_IMAGE("empty_image"),
    /** The image's first bytes are no supported format's signature. */
    NOT_AN_IMAGE("not_an_image"),
    /** The image's first bytes are another supported format's than the declared one. */
    TYPE_MISMATCH("type_mismatch"),
    /** The question is empty or only white space. */
    NO_QUESTION("no_question"),
    /** The question is longer than {@link io.xiaozhi.pipeline.common.envelope.VisionRequest#MAX_QUESTION_CHARS}. */
    QUESTION_TOO_LONG("question_too_long");

    private final String tag;

    Rejection(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
