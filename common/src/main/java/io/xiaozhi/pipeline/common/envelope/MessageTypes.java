package io.xiaozhi.pipeline.common.envelope;

/**
 * Values of the {@code xz.type} header: what a record on a downlink or control topic carries. Text
 * payloads are UTF-8; audio payloads are {@link AudioFrames}.
 */
public final class MessageTypes {

    /** Downlink: what the user said (payload: the text). */
    public static final String STT = "stt";
    /** Downlink: the reply's emotion (payload: the emoji; header {@code xz.emotion}: its name). */
    public static final String EMOTION = "llm.emotion";
    /** Downlink: one reply sentence (payload: its text; headers {@code xz.seq}, {@code xz.last}). */
    public static final String SENTENCE = "tts.sentence";
    /** Downlink: audio of one sentence (payload: Opus packets; headers {@code xz.seq}, {@code xz.chunk}, {@code xz.final}). */
    public static final String AUDIO = "tts.audio";
    /** Downlink: a sentence that could not be synthesised (header {@code xz.seq}); later sentences go on. */
    public static final String SENTENCE_FAILED = "tts.sentence.failed";
    /** Downlink: the turn ends without a spoken reply (nothing was heard, or nothing to say). */
    public static final String TURN_END = "turn.end";
    /** Downlink: the turn's deadline passed before a stage got to it (payload: {@code <stage>: <reason>}). */
    public static final String TURN_TIMED_OUT = "turn.timeout";
    /** Downlink: a stage gave up on the turn (payload: {@code <stage>: <reason>}). */
    public static final String TURN_FAILED = "turn.error";
    /** Downlink: a device tool call to forward (payload: JSON {@code {"call_id", "name", "arguments"}}, name as the device spells it). */
    public static final String TOOL_CALL = "mcp.call";
    /**
     * LLM request: a device tool's answer, continuing a turn (payload: JSON
     * {@code {"call_id", "name", "result", "is_error"}}); any llm-worker can pick it up.
     */
    public static final String TOOL_RESULT = "mcp.result";
    /**
     * Downlink: the vision model's answer to a photo (payload: the answer text; header {@code xz.turn}:
     * the correlation id of the {@link VisionRequest}).
     */
    public static final String VISION_ANSWER = "vision.answer";
    /**
     * Downlink: the conversation is over (the user said goodbye); the gateway closes the device's
     * connection once the turn's reply has played (payload: empty or the reason).
     */
    public static final String SESSION_END = "session.end";
    /** Control: cancel a turn (the device aborted). */
    public static final String CANCEL = "turn.cancel";

    private MessageTypes() {
    }
}
