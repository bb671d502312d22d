package io.xiaozhi.pipeline.gateway.protocol;

import io.xiaozhi.pipeline.common.text.Emotions;

import io.xiaozhi.pipeline.common.text.Emotion;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EmotionsTest {

    @ParameterizedTest
    @CsvSource({
        "😀, HAPPY", "😊, HAPPY", "😂, LAUGHING", "😢, CRYING", "😭, CRYING", "😠, ANGRY", "❤️, LOVING",
        "❤, LOVING", "😍, LOVING", "🤔, THINKING", "😉, WINKING", "😎, COOL", "😴, SLEEPY", "😮, SURPRISED",
        "😲, SURPRISED", "😱, SHOCKED", "😋, DELICIOUS", "😘, KISSY", "😏, CONFIDENT", "🤪, SILLY",
        "😕, CONFUSED", "😳, EMBARRASSED", "😌, RELAXED", "🙃, FUNNY", "😔, SAD", "🙂, NEUTRAL"
    })
    void leadingEmojiGivesItsEmotion(String emoji, Emotion emotion) {
        Emotions.Leading leading = Emotions.extract(emoji + "好的，我明白了。");
        assertThat(leading.emoji()).isEqualTo(emoji);
        assertThat(leading.emotion()).isEqualTo(emotion);
        assertThat(leading.text()).isEqualTo("好的，我明白了。");
    }

    @Test
    void noEmojiIsNeutral() {
        assertThat(Emotions.extract("今天天气不错。")).isEqualTo(new Emotions.Leading("🙂", Emotion.NEUTRAL, "今天天气不错。"));
        assertThat(Emotions.extract("")).isEqualTo(new Emotions.Leading("🙂", Emotion.NEUTRAL, ""));
        assertThat(Emotions.extract("Hello 😀")).isEqualTo(new Emotions.Leading("🙂", Emotion.NEUTRAL, "Hello 😀"));
    }

    @Test
    void digitsAndPunctuationAreNotEmoji() {
        assertThat(Emotions.extract("1. 第一步").emoji()).isEqualTo("🙂");
        assertThat(Emotions.extract("1. 第一步").text()).isEqualTo("1. 第一步");
        assertThat(Emotions.extract("#话题").text()).isEqualTo("#话题");
        assertThat(Emotions.extract("©2025").text()).isEqualTo("©2025");
    }

    @Test
    void whiteSpaceAroundTheEmojiIsDropped() {
        assertThat(Emotions.extract("  😂  哈哈")).isEqualTo(new Emotions.Leading("😂", Emotion.LAUGHING, "哈哈"));
    }

    @Test
    void onlyTheFirstEmojiIsTaken() {
        assertThat(Emotions.extract("😂😭 好")).isEqualTo(new Emotions.Leading("😂", Emotion.LAUGHING, "😭 好"));
    }

    @Test
    void heartWithVariationSelectorIsOneEmoji() {
        Emotions.Leading leading = Emotions.extract("❤️我也爱你");
        assertThat(leading.emoji()).isEqualTo("\u2764\uFE0F");
        assertThat(leading.emotion()).isEqualTo(Emotion.LOVING);
        assertThat(leading.text()).isEqualTo("我也爱你");
    }

    @Test
    void flagIsOneEmojiWithoutAnEmotion() {
        Emotions.Leading leading = Emotions.extract("🇨🇳中国");
        assertThat(leading.emoji()).isEqualTo("🇨🇳");
        assertThat(leading.emotion()).isEqualTo(Emotion.NEUTRAL);
        assertThat(leading.text()).isEqualTo("中国");
    }

    @Test
    void loneRegionalIndicatorIsNotAnEmoji() {
        assertThat(Emotions.extract("🇨 x").emoji()).isEqualTo("🙂");
    }

    @Test
    void subdivisionFlagWithTagsIsOneEmoji() {
        String england = "\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62\uDB40\uDC65\uDB40\uDC6E\uDB40\uDC67\uDB40\uDC7F";
        Emotions.Leading leading = Emotions.extract(england + "England");
        assertThat(leading.emoji()).isEqualTo(england);
        assertThat(leading.text()).isEqualTo("England");
    }

    @Test
    void zeroWidthJoinerSequenceIsOneEmoji() {
        String family = "👨\u200D👩\u200D👧";
        assertThat(Emotions.extract(family + " 一家人")).isEqualTo(new Emotions.Leading(family, Emotion.NEUTRAL, "一家人"));
        String heartOnFire = "❤️\u200D🔥";
        assertThat(Emotions.extract(heartOnFire + "!").emoji()).isEqualTo(heartOnFire);
    }

    @Test
    void skinToneKeepsTheEmotion() {
        Emotions.Leading leading = Emotions.extract("😘🏽 晚安");
        assertThat(leading.emoji()).isEqualTo("😘🏽");
        assertThat(leading.emotion()).isEqualTo(Emotion.KISSY);
        assertThat(leading.text()).isEqualTo("晚安");
    }

    @Test
    void keycapIsOneEmoji() {
        assertThat(Emotions.extract("1️⃣ 第一").emoji()).isEqualTo("1\uFE0F\u20E3");
        assertThat(Emotions.extract("1️⃣ 第一").text()).isEqualTo("第一");
    }

    @Test
    void unmappedEmojiIsKeptWithNeutral() {
        assertThat(Emotions.extract("🚀出发")).isEqualTo(new Emotions.Leading("🚀", Emotion.NEUTRAL, "出发"));
    }
}
