package io.xiaozhi.pipeline.llm.text;

/**
 * When the start of a streamed reply is long enough to tell its leading emoji: once it holds a code
 * point that is neither white space nor part of an emoji. Until then more of the emoji may still
 * arrive (a joined sequence, a skin tone, the second half of a flag).
 */
public final class LeadingEmoji {

    private LeadingEmoji() {
    }

    public static boolean decidable(CharSequence start) {
        String text = start.toString();
        return text.codePoints().anyMatch(cp -> !Character.isWhitespace(cp) && !EmojiCodePoints.isEmojiPart(cp));
    }
}
