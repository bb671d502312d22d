package io.xiaozhi.pipeline.asr;

import java.util.regex.Pattern;

/**
 * What of a provider's transcript is speech. Recognizers mark what is not words in brackets —
 * Sphinx4's fillers ({@code [noise]}, {@code <sil>}, {@code <unk>}), Whisper's events
 * ({@code [BLANK_AUDIO]}, {@code (music)}) — and a transcript of silence may be only punctuation.
 * {@link #speech} drops bracketed markers and reports a transcript with no letter or digit left as
 * no speech at all.
 */
public final class Transcripts {

    /** Markers that are never words: {@code [...]}, {@code <...>}, {@code 【...】}. */
    private static final Pattern MARKERS = Pattern.compile("\\[[^\\[\\]]*]|<[^<>]*>|【[^【】]*】");
    /** Parenthesised sound events, which count as noise when nothing else is left. */
    private static final Pattern EVENTS = Pattern.compile("\\([^()]*\\)|（[^（）]*）");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private Transcripts() {
    }

    /** The transcript without markers and with single spaces, or {@code ""} when no speech is left. */
    public static String speech(String transcript) {
        if (transcript == null) {
            return "";
        }
        String text = SPACES.matcher(MARKERS.matcher(transcript).replaceAll(" ")).replaceAll(" ").strip();
        return hasWords(EVENTS.matcher(text).replaceAll(" ")) ? text : "";
    }

    private static boolean hasWords(String text) {
        return text.codePoints().anyMatch(Character::isLetterOrDigit);
    }
}
