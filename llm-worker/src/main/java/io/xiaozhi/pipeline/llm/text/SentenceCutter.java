package io.xiaozhi.pipeline.llm.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cuts a streamed reply into pieces for speech synthesis as its text arrives, so the first sentence
 * can be spoken while the model is still writing the rest.
 *
 * <ul>
 *   <li>A piece ends at sentence punctuation ({@code 。！？!?；;…}, with any closing quotes or brackets
 *       after it) and at a line break. A full stop {@code .} ends a sentence only when white space or
 *       the end of the reply follows, and not after a number that goes on ({@code 3.14}), a list
 *       number at the start ({@code 1.}), a single letter ({@code J.}) or a common abbreviation
 *       ({@code Mr.}, {@code e.g.}).</li>
 *   <li>The first piece is cut early, at a comma or colon ({@code ，、,：:}), once it holds
 *       {@value #FIRST_PIECE_WEIGHT} units of text (a Chinese character counts one, a word of other
 *       scripts two): the device starts speaking sooner.</li>
 *   <li>A piece longer than {@value #SOFT_LIMIT} characters is cut at the next comma; one that reaches
 *       {@value #HARD_LIMIT} characters without any is cut at its last space, or where it is.</li>
 * </ul>
 *
 * <p>Punctuation whose meaning depends on what follows ({@code .} and ASCII {@code , :}) waits for the
 * next character. Pieces are returned trimmed; blank pieces are not returned. Not thread-safe: one
 * cutter per reply.
 */
public final class SentenceCutter {

    static final int FIRST_PIECE_WEIGHT = 6;
    static final int SOFT_LIMIT = 60;
    static final int HARD_LIMIT = 150;

    private static final String TERMINATORS = "。！？!?；;…";
    private static final String SOFT_BREAKS = "，、,：:";
    private static final String CLOSERS = "\"'”’)）]」』》〉】";
    private static final Set<String> ABBREVIATIONS = Set.of("mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "mt",
            "etc", "approx", "dept", "fig", "inc", "ltd", "co", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k");

    private final StringBuilder buffer = new StringBuilder();
    private boolean anyCut;

    /** Adds the next piece of the reply; returns the pieces it completed, in order. */
    public List<String> accept(CharSequence delta) {
        buffer.append(delta);
        return cut(false);
    }

    /** The reply has ended: returns whatever pieces remain. */
    public List<String> finish() {
        return cut(true);
    }

    private List<String> cut(boolean atEnd) {
        List<String> pieces = new ArrayList<>();
        while (true) {
            int end = cutIndex(atEnd);
            if (end < 0) {
                break;
            }
            String piece = buffer.substring(0, end).strip();
            buffer.delete(0, end);
            if (!piece.isEmpty()) {
                pieces.add(piece);
                anyCut = true;
            }
        }
        if (atEnd) {
            String rest = buffer.toString().strip();
            buffer.setLength(0);
            if (!rest.isEmpty()) {
                pieces.add(rest);
                anyCut = true;
            }
        }
        return pieces;
    }

    /** Where the first piece in the buffer ends (exclusive), or -1 when it has not ended yet. */
    private int cutIndex(boolean atEnd) {
        int length = buffer.length();
        int lastSpace = -1;
        for (int i = 0; i < length; i++) {
            char c = buffer.charAt(i);
            if (c == '\n') {
                return i + 1;
            }
            if (TERMINATORS.indexOf(c) >= 0) {
                int end = extend(i + 1);
                if (end == length && !atEnd) {
                    return -1; // more punctuation or a closing quote may follow
                }
                return end;
            }
            if (c == '.') {
                int verdict = fullStop(i, atEnd);
                if (verdict != 0) {
                    return verdict;
                }
            } else if (SOFT_BREAKS.indexOf(c) >= 0) {
                boolean ascii = c == ',' || c == ':';
                if (ascii && i + 1 == length && !atEnd) {
                    return -1;
                }
                boolean isBreak = !ascii || i + 1 == length || Character.isWhitespace(buffer.charAt(i + 1));
                if (isBreak && (i + 1 > SOFT_LIMIT || (!anyCut && weight(0, i) >= FIRST_PIECE_WEIGHT))) {
                    return i + 1;
                }
            }
            if (Character.isWhitespace(c)) {
                lastSpace = i;
            }
            if (i + 1 >= HARD_LIMIT) {
                if (lastSpace > HARD_LIMIT / 2) {
                    return lastSpace + 1;
                }
                return Character.isHighSurrogate(c) && i + 2 <= length ? i + 2 : i + 1;
            }
        }
        return -1;
    }

    /**
     * What a full stop at {@code i} means: the cut index when it ends a sentence, -1 when that depends
     * on text still to come, 0 when it does not end one.
     */
    private int fullStop(int i, boolean atEnd) {
        int length = buffer.length();
        int end = i + 1;
        while (end < length && buffer.charAt(end) == '.') {
            end++; // an ellipsis
        }
        end = extend(end);
        if (end == length) {
            if (!atEnd) {
                return -1;
            }
        } else {
            char next = buffer.charAt(end);
            if (!Character.isWhitespace(next) && !isCjk(next)) {
                return 0; // 3.14, example.com, e.g.x
            }
        }
        String word = wordBefore(i);
        String lower = word.toLowerCase(Locale.ROOT);
        if (ABBREVIATIONS.contains(lower) || (word.length() == 1 && Character.isLetter(word.charAt(0)))) {
            return 0;
        }
        if (!word.isEmpty() && word.chars().allMatch(Character::isDigit) && buffer.substring(0, i).strip().equals(word)) {
            return 0; // "1." numbering a list item
        }
        return end;
    }

    /** Past closing quotes, brackets and further terminators after a sentence's end. */
    private int extend(int from) {
        int end = from;
        while (end < buffer.length()) {
            char c = buffer.charAt(end);
            if (CLOSERS.indexOf(c) >= 0 || TERMINATORS.indexOf(c) >= 0) {
                end++;
            } else {
                break;
            }
        }
        return end;
    }

    /** The letters, digits and inner dots just before index {@code i}. */
    private String wordBefore(int i) {
        int start = i;
        while (start > 0) {
            char c = buffer.charAt(start - 1);
            if (Character.isLetterOrDigit(c) || (c == '.' && start - 1 > 0 && Character.isLetterOrDigit(buffer.charAt(start - 2)))) {
                start--;
            } else {
                break;
            }
        }
        return buffer.substring(start, i);
    }

    /** How much text {@code [from, to)} holds: one per CJK character, two per word of other scripts. */
    private int weight(int from, int to) {
        int weight = 0;
        boolean inWord = false;
        for (int i = from; i < to; i++) {
            char c = buffer.charAt(i);
            if (isCjk(c)) {
                weight++;
                inWord = false;
            } else if (Character.isLetterOrDigit(c)) {
                if (!inWord) {
                    weight += 2;
                }
                inWord = true;
            } else {
                inWord = false;
            }
        }
        return weight;
    }

    /** Whether {@code c} is a Chinese, Japanese or Korean character. */
    public static boolean isCjk(char c) {
        Character.UnicodeScript script = Character.UnicodeScript.of(c);
        return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL;
    }
}
