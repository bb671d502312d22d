package io.xiaozhi.pipeline.common.envelope;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payload of a record on {@code xiaozhi.vllm.requests}: a device's photo and the question asked
 * about it. The envelope headers carry the rest (session and turn = the gateway's correlation id,
 * device, deadline, reply-to); the worker answers on the reply-to topic with a
 * {@link MessageTypes#VISION_ANSWER} record (payload: the answer text) whose {@code xz.turn} is the
 * same correlation id, or with {@link MessageTypes#TURN_TIMED_OUT} or {@link MessageTypes#TURN_FAILED}.
 *
 * <pre>
 *   version    u8          = 1
 *   mimeLen    u16 (BE)    length of the image type
 *   mime       UTF-8       the image type detected from the image's first bytes, e.g. image/jpeg
 *   textLen    u32 (BE)    length of the question
 *   question   UTF-8
 *   imageLen   u32 (BE)    length of the image
 *   image      bytes
 * </pre>
 * Decoding checks every length against what is left and rejects trailing bytes.
 *
 * @param question what the user asked about the photo
 * @param imageType the MIME type of the image
 * @param image the image file as uploaded
 */
public record VisionRequest(String question, String imageType, byte[] image) {

    public static final int VERSION = 1;
    /** The largest image the gateway accepts (5 MiB, as the reference server). */
    public static final int MAX_IMAGE_BYTES = 5 * 1024 * 1024;
    /** The longest question accepted, in characters (code points). */
    public static final int MAX_QUESTION_CHARS = 2000;
    /** An upper bound of an encoded request plus its headers: what the vllm topics and producers must allow. */
    public static final int MAX_RECORD_BYTES = MAX_IMAGE_BYTES + 64 * 1024;

    private static final int MAX_TYPE_BYTES = 255;

    public VisionRequest {
        if (question == null || imageType == null || image == null) {
            throw new IllegalArgumentException("a vision request needs a question, an image type and an image");
        }
    }

    public byte[] encode() {
        byte[] mime = imageType.getBytes(StandardCharsets.UTF_8);
        byte[] text = question.getBytes(StandardCharsets.UTF_8);
        if (mime.length > MAX_TYPE_BYTES) {
            throw new IllegalArgumentException("an image type of " + mime.length + " bytes; at most " + MAX_TYPE_BYTES);
        }
        ByteBuffer out = ByteBuffer.allocate(1 + 2 + mime.length + 4 + text.length + 4 + image.length);
        out.put((byte) VERSION);
        out.putShort((short) mime.length).put(mime);
        out.putInt(text.length).put(text);
        out.putInt(image.length).put(image);
        return out.array();
    }

    /** Reads a payload; throws {@link EnvelopeException} saying what is wrong with it. */
    public static VisionRequest decode(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new EnvelopeException("vision payload is empty");
        }
        if (payload[0] != VERSION) {
            throw new EnvelopeException("vision payload has version " + (payload[0] & 0xFF) + "; this build reads version " + VERSION);
        }
        ByteBuffer in = ByteBuffer.wrap(payload, 1, payload.length - 1);
        String mime = new String(take(in, in.remaining() >= 2 ? Short.toUnsignedInt(in.getShort()) : -1, "image type"), StandardCharsets.UTF_8);
        String question = new String(take(in, in.remaining() >= 4 ? in.getInt() : -1, "question"), StandardCharsets.UTF_8);
        byte[] image = take(in, in.remaining() >= 4 ? in.getInt() : -1, "image");
        if (in.hasRemaining()) {
            throw new EnvelopeException("vision payload has " + in.remaining() + " bytes after the image");
        }
        return new VisionRequest(question, mime, image);
    }

    private static byte[] take(ByteBuffer in, int length, String what) {
        if (length < 0 || length > in.remaining()) {
            throw new EnvelopeException("vision payload is cut off in the " + what);
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
