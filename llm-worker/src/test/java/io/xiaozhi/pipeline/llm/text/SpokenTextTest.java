package io.xiaozhi.pipeline.llm.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpokenTextTest {

    @Test
    void emojiAreNotSpoken() {
        assertThat(SpokenText.clean("😊 Hello! 👍🏽 Nice to meet you 👨‍👩‍👧 🇨🇳")).isEqualTo("Hello! Nice to meet you");
        assertThat(SpokenText.clean("好的❤️，马上来☀")).isEqualTo("好的，马上来");
        assertThat(SpokenText.speakable(SpokenText.clean("😊🎉"))).isFalse();
        assertThat(SpokenText.speakable("…!")).isFalse();
        assertThat(SpokenText.speakable("3")).isTrue();
    }

    @Test
    void markdownIsNotSpoken() {
        assertThat(SpokenText.clean("## **Tip**: use `tea`\n- first item\n> quoted __text__"))
                .isEqualTo("Tip: use tea first item quoted text");
        assertThat(SpokenText.clean("snake_case stays, 3 - 2 = 1")).isEqualTo("snake_case stays, 3 - 2 = 1");
    }

    @Test
    void leadingEmojiIsDecidableOnceTextFollows() {
        assertThat(LeadingEmoji.decidable("  ")).isFalse();
        assertThat(LeadingEmoji.decidable("😊")).isFalse();
        assertThat(LeadingEmoji.decidable("👨\u200D")).isFalse();
        assertThat(LeadingEmoji.decidable("😊 H")).isTrue();
        assertThat(LeadingEmoji.decidable("Hi")).isTrue();
        assertThat(LeadingEmoji.decidable("3")).isTrue();
    }
}
