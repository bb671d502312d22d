package io.xiaozhi.pipeline.common.text;

import java.util.Map;
import java.util.Objects;

/**
 * Finds the leading emoji of a reply and maps it to one of the firmware's {@link Emotion}s. An emoji
 * is one grapheme: a base symbol with its variation selector, skin tone, keycap, joined parts
 * (zero-width joiner sequences), a pair of regional indicators (a flag) or a tag sequence.
 */
public final class Emotions {

    /** The emoji sent with {@link Emotion#NEUTRAL} when a reply starts without one. */
    public static final String NEUTRAL_EMOJI = "🙂";

    private static final int VARIATION_SELECTOR_16 = 0xFE0F;
    private static final int VARIATION_SELECTOR_15 = 0xFE0E;
    private static final int ZERO_WIDTH_JOINER = 0x200D;
    private static final int COMBINING_KEYCAP = 0x20E3;

    private static final Map<String, Emotion> BY_EMOJI = Map.ofEntries(
            Map.entry("😀", Emotion.HAPPY), Map.entry("😊", Emotion.HAPPY), Map.entry("😃", Emotion.HAPPY),
            Map.entry("😄", Emotion.HAPPY), Map.entry("😁", Emotion.HAPPY), Map.entry("☺", Emotion.HAPPY),
            Map.entry("🤗", Emotion.HAPPY), Map.entry("🙂", Emotion.NEUTRAL), Map.entry("😐", Emotion.NEUTRAL),
            Map.entry("😶", Emotion.NEUTRAL), Map.entry("😂", Emotion.LAUGHING), Map.entry("🤣", Emotion.LAUGHING),
            Map.entry("😆", Emotion.LAUGHING), Map.entry("🙃", Emotion.FUNNY), Map.entry("😜", Emotion.SILLY),
            Map.entry("🤪", Emotion.SILLY), Map.entry("😝", Emotion.SILLY), Map.entry("😢", Emotion.CRYING),
            Map.entry("😭", Emotion.CRYING), Map.entry("😔", Emotion.SAD), Map.entry("😞", Emotion.SAD),
            Map.entry("🙁", Emotion.SAD), Map.entry("☹", Emotion.SAD), Map.entry("😟", Emotion.SAD),
            Map.entry("😠", Emotion.ANGRY), Map.entry("😡", Emotion.ANGRY), Map.entry("🤬", Emotion.ANGRY),
            Map.entry("❤", Emotion.LOVING), Map.entry("😍", Emotion.LOVING), Map.entry("🥰", Emotion.LOVING),
            Map.entry("💕", Emotion.LOVING), Map.entry("💖", Emotion.LOVING), Map.entry("😳", Emotion.EMBARRASSED),
            Map.entry("😅", Emotion.EMBARRASSED), Map.entry("😮", Emotion.SURPRISED), Map.entry("😲", Emotion.SURPRISED),
            Map.entry("😯", Emotion.SURPRISED), Map.entry("😱", Emotion.SHOCKED), Map.entry("😨", Emotion.SHOCKED),
            Map.entry("🤔", Emotion.THINKING), Map.entry("🧐", Emotion.THINKING), Map.entry("😉", Emotion.WINKING),
            Map.entry("😎", Emotion.COOL), Map.entry("😌", Emotion.RELAXED), Map.entry("😋", Emotion.DELICIOUS),
            Map.entry("🤤", Emotion.DELICIOUS), Map.entry("😘", Emotion.KISSY), Map.entry("😗", Emotion.KISSY),
            Map.entry("😚", Emotion.KISSY), Map.entry("😏", Emotion.CONFIDENT), Map.entry("😴", Emotion.SLEEPY),
            Map.entry("😪", Emotion.SLEEPY), Map.entry("🥱", Emotion.SLEEPY), Map.entry("😕", Emotion.CONFUSED),
            Map.entry("🙄", Emotion.CONFUSED), Map.entry("😵", Emotion.CONFUSED));

    private Emotions() {
    }

    /**
     * The leading emoji of a reply, its emotion, and the reply without it.
     *
     * @param emoji the leading emoji as written, or {@link #NEUTRAL_EMOJI} when the reply has none
     * @param emotion the emotion of the emoji; {@link Emotion#NEUTRAL} for an emoji without one
     * @param text the reply after the emoji and the white space that follows it; the whole reply when it has no emoji
     */
    public record Leading(String emoji, Emotion emotion, String text) {
        /** Checks the fields. */
        public Leading {
            Objects.requireNonNull(emoji, "emoji");
            Objects.requireNonNull(emotion, "emotion");
            Objects.requireNonNull(text, "text");
        }
    }

    /** Splits the leading emoji (after any white space) from {@code reply}. */
    public static Leading extract(String reply) {
        Objects.requireNonNull(reply, "reply");
        int start = 0;
        while (start < reply.length() && Character.isWhitespace(reply.charAt(start))) {
            start++;
        }
        int end = emojiEnd(reply, start);
        if (end == start) {
            return new Leading(NEUTRAL_EMOJI, Emotion.NEUTRAL, reply);
        }
        String emoji = reply.substring(start, end);
        return new Leading(emoji, emotionOf(emoji), reply.substring(end).stripLeading());
    }

    /** The emotion of one emoji; {@link Emotion#NEUTRAL} when it has none. */
    public static Emotion emotionOf(String emoji) {
        return BY_EMOJI.getOrDefault(baseOf(emoji), Emotion.NEUTRAL);
    }

    /** The emoji without variation selectors and skin tones, for the table. */
    private static String baseOf(String emoji) {
        StringBuilder base = new StringBuilder();
        emoji.codePoints()
                .filter(cp -> cp != VARIATION_SELECTOR_16 && cp != VARIATION_SELECTOR_15 && !isSkinTone(cp))
                .forEach(base::appendCodePoint);
        return base.toString();
    }

    /** Where the emoji starting at {@code start} ends; {@code start} when none starts there. */
    static int emojiEnd(String s, int start) {
        if (start >= s.length()) {
            return start;
        }
        int first = s.codePointAt(start);
        if (isRegionalIndicator(first)) {
            int next = start + Character.charCount(first);
            if (next < s.length() && isRegionalIndicator(s.codePointAt(next))) {
                return next + Character.charCount(s.codePointAt(next));
            }
            return start;
        }
        int end = elementEnd(s, start);
        if (end == start) {
            return start;
        }
        while (end < s.length() && s.codePointAt(end) == ZERO_WIDTH_JOINER) {
            int joined = elementEnd(s, end + 1);
            if (joined == end + 1) {
                break;
            }
            end = joined;
        }
        return end;
    }

    /** One emoji element with its modifiers: a pictograph, or a symbol made emoji by U+FE0F or a keycap. */
    private static int elementEnd(String s, int start) {
        if (start >= s.length()) {
            return start;
        }
        int base = s.codePointAt(start);
        int end = start + Character.charCount(base);
        boolean pictograph = isPictograph(base);
        if (end < s.length() && s.codePointAt(end) == VARIATION_SELECTOR_16) {
            end++;
            pictograph = pictograph || isKeycapBase(base) || base > 0x7F;
        }
        if (end < s.length() && s.codePointAt(end) == COMBINING_KEYCAP && isKeycapBase(base)) {
            return end + 1;
        }
        if (!pictograph || isKeycapBase(base)) {
            return start;
        }
        while (end < s.length()) {
            int next = s.codePointAt(end);
            if (isSkinTone(next) || isTag(next) || next == VARIATION_SELECTOR_16) {
                end += Character.charCount(next);
            } else {
                break;
            }
        }
        return end;
    }

    private static boolean isPictograph(int cp) {
        return (cp >= 0x1F000 && cp <= 0x1FAFF && !isRegionalIndicator(cp) && !isSkinTone(cp))
                || (cp >= 0x2600 && cp <= 0x27BF)
                || (cp >= 0x2300 && cp <= 0x23FF)
                || (cp >= 0x2B00 && cp <= 0x2BFF)
                || cp == 0x3030 || cp == 0x303D || cp == 0x3297 || cp == 0x3299;
    }

    private static boolean isKeycapBase(int cp) {
        return (cp >= '0' && cp <= '9') || cp == '#' || cp == '*';
    }

    private static boolean isRegionalIndicator(int cp) {
        return cp >= 0x1F1E6 && cp <= 0x1F1FF;
    }

    private static boolean isSkinTone(int cp) {
        return cp >= 0x1F3FB && cp <= 0x1F3FF;
    }

    private static boolean isTag(int cp) {
        return cp >= 0xE0020 && cp <= 0xE007F;
    }
}
