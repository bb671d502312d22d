package io.xiaozhi.pipeline.gateway.vision;

import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import java.io.IOException;
import java.io.InputStream;

/**
 * Checks an upload in the order that costs least first: the device id and its token from the
 * headers, then the body: a multipart form of at most the image limit plus room for the question,
 * with a question of 1 to {@link VisionRequest#MAX_QUESTION_CHARS} characters and a file of at most
 * {@code maxImageBytes} whose first bytes are those of a known image format.
 */
public final class UploadReader {

    /** Room in the body for the question (at most 4 bytes a character) and the form's framing. */
    static final int FORM_OVERHEAD_BYTES = 64 * 1024;

    private final VisionTokens tokens;
    private final int maxImageBytes;

    public UploadReader(VisionTokens tokens, int maxImageBytes) {
        this.tokens = tokens;
        this.maxImageBytes = maxImageBytes;
    }

    /** The checked upload; throws {@link VisionRefused} with the first reason it cannot be taken. */
    public VisionUpload read(String deviceId, String authorization, String contentType, InputStream body) throws VisionRefused {
        String device = deviceId == null ? "" : deviceId.trim();
        if (device.isEmpty()) {
            throw new VisionRefused(Refusal.MISSING_DEVICE_ID);
        }
        VisionTokens.Verdict verdict = tokens.check(device, authorization);
        if (!verdict.accepted()) {
            throw new VisionRefused(Refusal.of(verdict.failure()));
        }
        String boundary = MultipartForm.boundary(contentType).orElseThrow(() -> new VisionRefused(Refusal.NOT_MULTIPART));
        byte[] bytes;
        try {
            bytes = BoundedBody.read(body, maxImageBytes + FORM_OVERHEAD_BYTES).orElseThrow(() -> new VisionRefused(Refusal.IMAGE_TOO_LARGE));
        } catch (IOException e) {
            throw new VisionRefused(Refusal.UNREADABLE);
        }
        MultipartForm form;
        try {
            form = MultipartForm.parse(bytes, boundary);
        } catch (MultipartForm.MalformedFormException e) {
            throw new VisionRefused(Refusal.MALFORMED_FORM);
        }
        String question = form.part("question").map(MultipartForm.Part::text).map(String::trim).orElse("");
        if (question.isEmpty()) {
            throw new VisionRefused(Refusal.MISSING_QUESTION);
        }
        if (question.codePointCount(0, question.length()) > VisionRequest.MAX_QUESTION_CHARS) {
            throw new VisionRefused(Refusal.QUESTION_TOO_LONG);
        }
        byte[] image = form.part("file").map(MultipartForm.Part::content).orElse(new byte[0]);
        if (image.length == 0) {
            throw new VisionRefused(Refusal.MISSING_IMAGE);
        }
        if (image.length > maxImageBytes) {
            throw new VisionRefused(Refusal.IMAGE_TOO_LARGE);
        }
        ImageType type = ImageType.detect(image).orElseThrow(() -> new VisionRefused(Refusal.NOT_AN_IMAGE));
        return new VisionUpload(device, question, image, type);
    }
}
