package io.xiaozhi.pipeline.llm.text;

/**
 * Makes a piece of a model's reply fit for speech synthesis: emoji are removed (they are shown, not
 * spoken), as is Markdown that models write out of habit (emphasis marks, back-ticks, heading marks,
 * list bullets and quote marks at the start of a line), and white space is collapsed.
 */
public final class SpokenText {

    private SpokenText() {
    }

    /** The text to speak; may be empty. */
    public static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean lineStart = true;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (EmojiCodePoints.isEmojiPart(cp) || cp == '*' || cp == '`' || cp == '_' && next < text.length() && text.charAt(next) == '_') {
                i = cp == '_' ? next + 1 : next;
                continue;
            }
            if (lineStart && (cp == '#' || cp == '>' || (cp == '-' && next < text.length() && text.charAt(next) == ' '))) {
                i = next;
                continue;
            }
            if (cp == '\n' || cp == '\r') {
                lineStart = true;
                appendSpace(out);
                i = next;
                continue;
            }
            if (Character.isWhitespace(cp)) {
                appendSpace(out);
            } else {
                lineStart = false;
                out.appendCodePoint(cp);
            }
            i = next;
        }
        return out.toString().strip();
    }

    /** Whether {@code text} has anything to say: a letter or a digit. */
    public static boolean speakable(String text) {
        return text.codePoints().anyMatch(Character::isLetterOrDigit);
    }

    private static void appendSpace(StringBuilder out) {
        if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
            out.append(' ');
        }
    }
}
