package io.xiaozhi.pipeline.gateway.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a turn's time went on its way to the first audio, from the {@code xz.t.*} timings the stages
 * wrote on its first audio chunk plus the gateway's own two moments: each segment runs from one
 * timing to the next present one. Timings from several hosts are compared, so the segments that
 * cross a process are as good as the hosts' clocks are synchronised; a negative difference counts 0.
 *
 * <ol>
 *   <li>{@code to_asr}: end of speech → the ASR stage took the utterance (publish, Kafka, queue)</li>
 *   <li>{@code asr}: decoding and transcription</li>
 *   <li>{@code to_llm}: → the LLM stage took the transcript (or the text, for a text turn)</li>
 *   <li>{@code llm}: → the first sentence was sent (the model's time to it, mostly)</li>
 *   <li>{@code to_tts}: → the TTS stage took the sentence</li>
 *   <li>{@code tts}: → its first audio chunk was ready</li>
 *   <li>{@code to_gateway}: → the gateway read it from its downlink topic</li>
 *   <li>{@code gateway}: → its first packet went to the device (assembly and pacing)</li>
 * </ol>
 */
final class TurnSegments {

    private static final String RECEIVED = "gateway.received";
    private static final String SENT = "gateway.sent";

    /** Segment names with the timing each one ends at; each starts where the previous present one ended. */
    private static final List<String[]> SEGMENTS = List.of(
            new String[] {"to_asr", "asr.start"},
            new String[] {"asr", "asr.end"},
            new String[] {"to_llm", "llm.start"},
            new String[] {"llm", "llm.sent"},
            new String[] {"to_tts", "tts.start"},
            new String[] {"tts", "tts"},
            new String[] {"to_gateway", RECEIVED},
            new String[] {"gateway", SENT});

    /** Every segment name, in order. */
    static final List<String> NAMES = SEGMENTS.stream().map(s -> s[0]).toList();

    private TurnSegments() {
    }

    /**
     * The segments that can be told, in milliseconds, in order. {@code timings} are the chunk's
     * {@code xz.t.*} values by name (with {@code eos}); {@code receivedAt} and {@code sentAt} are the
     * gateway's. A segment whose end timing is missing is skipped and the next present one starts
     * where the last present timing was (a text turn has no ASR timings: its {@code to_llm} runs from
     * the end of speech); without {@code eos} nothing can be told.
     */
    static Map<String, Long> of(Map<String, Long> timings, long receivedAt, long sentAt) {
        Map<String, Long> out = new LinkedHashMap<>();
        Long from = timings.get("eos");
        if (from == null) {
            return out;
        }
        Map<String, Long> all = new LinkedHashMap<>(timings);
        all.put(RECEIVED, receivedAt);
        all.put(SENT, sentAt);
        for (String[] segment : SEGMENTS) {
            Long to = all.get(segment[1]);
            if (to != null) {
                out.put(segment[0], Math.max(0, to - from));
                from = to;
            }
        }
        return out;
    }
}
