package io.xiaozhi.pipeline.tts;

/**
 * What of a reply sentence is read aloud: the text without emoji, pictographs, emoji modifiers and
 * variation selectors, Markdown marks ({@code * # ` ~ _ |}) and control characters, with white space
 * collapsed. A sentence with no letter or digit left has nothing to say.
 */
public final class SpeakableText {

    private SpeakableText() {
    }

    /** The text to speak, or the empty string if nothing in {@code text} is speakable. */
    public static String forSpeech(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        boolean speakable = false;
        boolean space = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isISOControl(cp) || Character.isSpaceChar(cp)) {
                space = out.length() > 0;
                continue;
            }
            if (dropped(cp)) {
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.appendCodePoint(cp);
            speakable |= Character.isLetterOrDigit(cp);
        }
        return speakable ? out.toString() : "";
    }

    private static boolean dropped(int cp) {
        switch (cp) {
            case '*', '#', '`', '~', '_', '|', 0x200D, 0x20E3 -> {
                return true;
            }
            default -> {
                // fall through to the categories
            }
        }
        if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF) || (cp >= 0x1F3FB && cp <= 0x1F3FF)
                || (cp >= 0xE0000 && cp <= 0xE007F)) {
            return true; // variation selectors, skin tones, tag characters
        }
        int type = Character.getType(cp);
        return type == Character.OTHER_SYMBOL || type == Character.SURROGATE || type == Character.PRIVATE_USE
                || type == Character.UNASSIGNED || type == Character.FORMAT;
    }
}
