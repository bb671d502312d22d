package io.xiaozhi.pipeline.llm.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceCutterTest {

    /** Feeds {@code pieces} one by one, then ends the reply; every piece cut, in order. */
    private static List<String> cut(String... pieces) {
        SentenceCutter cutter = new SentenceCutter();
        List<String> out = new ArrayList<>();
        for (String piece : pieces) {
            out.addAll(cutter.accept(piece));
        }
        out.addAll(cutter.finish());
        return out;
    }

    /** Feeds {@code text} one character at a time, as the slowest stream would. */
    private static List<String> cutByCharacter(String text) {
        return cut(text.codePoints().mapToObj(Character::toString).toArray(String[]::new));
    }

    @Test
    void chineseSentencesEndAtTheirPunctuation() {
        assertThat(cutByCharacter("你好！今天天气很好。我们去公园吧？好的；走吧"))
                .containsExactly("你好！", "今天天气很好。", "我们去公园吧？", "好的；", "走吧");
    }

    @Test
    void englishSentencesEndAtAFullStopFollowedBySpace() {
        assertThat(cutByCharacter("It is sunny. Let's go out! Shall we? Yes."))
                .containsExactly("It is sunny.", "Let's go out!", "Shall we?", "Yes.");
    }

    @Test
    void decimalsAbbreviationsAndListNumbersDoNotEndASentence() {
        assertThat(cutByCharacter("Pi is 3.14 or so. Mr. Smith agrees, e.g. in his book. J. K. wrote it."))
                .containsExactly("Pi is 3.14 or so.", "Mr. Smith agrees, e.g. in his book.", "J. K. wrote it.");
        assertThat(cut("1. Boil the water.\n2. Add the tea."))
                .containsExactly("1. Boil the water.", "2. Add the tea.");
    }

    @Test
    void aNumberSplitAcrossPiecesIsNotCutAtItsPoint() {
        assertThat(cut("The answer is 3.", "14 exactly. Done")).containsExactly("The answer is 3.14 exactly.", "Done");
    }

    @Test
    void theFirstPieceIsCutEarlyAtACommaOnceItHasAFewWords() {
        assertThat(cutByCharacter("Well, I looked at the forecast, and it will rain later today, so take an umbrella."))
                .containsExactly("Well, I looked at the forecast,", "and it will rain later today, so take an umbrella.");
        assertThat(cutByCharacter("好的，我来帮你查一下天气，明天会下雨，记得带伞。"))
                .containsExactly("好的，我来帮你查一下天气，", "明天会下雨，记得带伞。");
    }

    @Test
    void commasInNumbersAndColonsInTimesAreNotBreaks() {
        assertThat(cutByCharacter("We counted 1,000,000 stars at 10:30 tonight, what a sight."))
                .containsExactly("We counted 1,000,000 stars at 10:30 tonight,", "what a sight.");
    }

    @Test
    void lineBreaksEndPieces() {
        assertThat(cut("First line\nSecond line\n\nThird")).containsExactly("First line", "Second line", "Third");
    }

    @Test
    void closingQuotesAndRepeatedPunctuationStayWithTheirSentence() {
        assertThat(cutByCharacter("他说：“你好。”然后走了。Really?! \"Yes.\" Okay…… fine"))
                .containsExactly("他说：“你好。”", "然后走了。", "Really?!", "\"Yes.\"", "Okay……", "fine");
    }

    @Test
    void longTextWithoutPunctuationIsCutAtACommaOrASpace() {
        String clause = "this clause goes on and on without a stop";
        List<String> pieces = cut(clause + " " + clause + ", " + clause + " " + clause + " " + clause + " " + clause + " " + clause);
        assertThat(pieces).hasSizeGreaterThan(1);
        assertThat(pieces).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(SentenceCutter.HARD_LIMIT));
        assertThat(pieces.get(0)).endsWith(",");
        assertThat(String.join(" ", pieces)).isEqualTo(clause + " " + clause + ", " + clause + " " + clause + " " + clause + " " + clause
                + " " + clause);
        String chinese = "这".repeat(400);
        assertThat(cut(chinese)).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(SentenceCutter.HARD_LIMIT));
        assertThat(String.join("", cut(chinese))).isEqualTo(chinese);
    }

    @Test
    void aWholeReplyInOnePieceIsCutTheSame() {
        assertThat(cut("你好！今天天气很好。It is sunny. Bye.")).containsExactly("你好！", "今天天气很好。", "It is sunny.", "Bye.");
    }

    @Test
    void punctuationAtTheEndOfAPieceWaitsForWhatFollows() {
        SentenceCutter cutter = new SentenceCutter();
        assertThat(cutter.accept("Hello there. ")).containsExactly("Hello there.");
        assertThat(cutter.accept("How are you")).isEmpty();
        assertThat(cutter.accept("?")).isEmpty();
        assertThat(cutter.accept("!")).isEmpty();
        assertThat(cutter.accept(" Good")).containsExactly("How are you?!");
        assertThat(cutter.finish()).containsExactly("Good");
        assertThat(cutter.finish()).isEmpty();
    }
}
