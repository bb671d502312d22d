package io.xiaozhi.pipeline.tts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpeakableTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t", "😀", "😀🎉❤️", "👍🏽", "…!?", "。！", "**", "## ---", "1️⃣"})
    void nothingToSay(String text) {
        if (text.equals("1️⃣")) {
            // a keycap keeps its digit
            assertThat(SpeakableText.forSpeech(text)).isEqualTo("1");
            return;
        }
        assertThat(SpeakableText.forSpeech(text)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "Hello 😀 world!|Hello world!",
        "  It is **very** nice.  |It is very nice.",
        "今天天气很好😊。|今天天气很好。",
        "C'est l'été, 25 degrés.|C'est l'été, 25 degrés.",
        "👨‍👩‍👧 family time|family time"})
    void emojiAndMarkupAreLeftOut(String text, String spoken) {
        assertThat(SpeakableText.forSpeech(text)).isEqualTo(spoken);
    }

    @org.junit.jupiter.api.Test
    void lineBreaksAndTabsBecomeOneSpace() {
        assertThat(SpeakableText.forSpeech("Line one\n\tline two\r\n")).isEqualTo("Line one line two");
    }
}
