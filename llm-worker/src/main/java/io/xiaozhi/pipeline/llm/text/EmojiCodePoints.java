package io.xiaozhi.pipeline.llm.text;

/**
 * Which code points make up emoji: pictographs and the parts that join or modify them (variation
 * selectors, zero-width joiner, skin tones, regional indicators, tags, the keycap mark).
 */
final class EmojiCodePoints {

    static final int ZERO_WIDTH_JOINER = 0x200D;
    static final int VARIATION_SELECTOR_15 = 0xFE0E;
    static final int VARIATION_SELECTOR_16 = 0xFE0F;
    static final int COMBINING_KEYCAP = 0x20E3;

    private EmojiCodePoints() {
    }

    /** A code point that is an emoji or part of one; never a letter, digit or punctuation of text. */
    static boolean isEmojiPart(int cp) {
        return isPictograph(cp) || isModifier(cp);
    }

    /** A code point that only joins or modifies the emoji before it. */
    static boolean isModifier(int cp) {
        return cp == ZERO_WIDTH_JOINER || cp == VARIATION_SELECTOR_15 || cp == VARIATION_SELECTOR_16 || cp == COMBINING_KEYCAP
                || (cp >= 0x1F3FB && cp <= 0x1F3FF) // skin tones
                || (cp >= 0xE0020 && cp <= 0xE007F); // tags
    }

    static boolean isPictograph(int cp) {
        return (cp >= 0x1F000 && cp <= 0x1FAFF) // pictographs, emoticons, transport, regional indicators, ...
                || (cp >= 0x2600 && cp <= 0x27BF) // miscellaneous symbols and dingbats
                || (cp >= 0x2300 && cp <= 0x23FF) // technical symbols (watch, hourglass, ...)
                || (cp >= 0x2B00 && cp <= 0x2BFF) // arrows and stars
                || cp == 0x3030 || cp == 0x303D || cp == 0x3297 || cp == 0x3299;
    }
}
