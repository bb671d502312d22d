package io.xiaozhi.pipeline.common.envelope;

/**
 * Names of the Kafka record headers every service reads and writes. Values are UTF-8 text;
 * numbers are decimal (epoch milliseconds for times), so records stay readable with ordinary tools.
 */
public final class EnvelopeHeaders {

    /** The device's WebSocket session. */
    public static final String SESSION = "xz.session";
    /** The device id (MAC). */
    public static final String DEVICE = "xz.device";
    /** One user utterance and everything answered to it. */
    public static final String TURN = "xz.turn";
    /** Epoch ms after which the turn's work is useless. */
    public static final String DEADLINE = "xz.deadline";
    /** The topic answers go to: the owning gateway's downlink topic. */
    public static final String REPLY_TO = "xz.reply-to";
    /** What the record carries (for example {@code stt}, {@code tts.audio}, {@code error}). */
    public static final String TYPE = "xz.type";
    /** Sentence number within a turn, from 0. */
    public static final String SEQUENCE = "xz.seq";
    /** {@code true} on the last sentence of a turn. */
    public static final String LAST = "xz.last";
    /** Chunk number of the audio of one sentence, from 0. */
    public static final String CHUNK = "xz.chunk";
    /** {@code true} on the last audio chunk of one sentence. */
    public static final String FINAL = "xz.final";
    /** The name of a reply's emotion, on {@code llm.emotion} records. */
    public static final String EMOTION = "xz.emotion";
    /** Prefix of per-stage timing headers: {@code xz.t.<name>} = epoch ms. */
    public static final String TIMING_PREFIX = "xz.t.";
    /** When the device stopped speaking (epoch ms): where turn latency starts. */
    public static final String END_OF_SPEECH = TIMING_PREFIX + "eos";
    /**
     * Milliseconds spent waiting for AI providers on the way to this record, summed over the stages
     * it went through: the transcription, the model until this sentence's text was complete, and
     * the speech until this chunk's audio came back. With the turn's end-of-speech time it splits
     * turn latency into the providers' share and the pipeline's own. Written on LLM requests,
     * sentences and the first audio chunk of a sentence; absent where it cannot be told (a turn
     * resumed after a device tool).
     */
    public static final String PROVIDER_MILLIS = "xz.provider-ms";
    /** Why a record went to a dead-letter topic. */
    public static final String ERROR = "xz.error";
    /** Where a dead-lettered record came from: {@code topic-partition@offset}. */
    public static final String ORIGIN = "xz.origin";
    /** Attempts made before a record went to a dead-letter topic. */
    public static final String ATTEMPTS = "xz.attempts";

    private EnvelopeHeaders() {
    }
}
