package io.xiaozhi.pipeline.asr;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TranscriptsTest {

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t", "[noise]", "<unk>", "<sil> [NOISE] <unk>", ".", "...", "?!", "[BLANK_AUDIO]",
            "(music)", "（笑）", "♪ ♪", "【音乐】", " - "})
    void blankPunctuationAndMarkersAreNoSpeech(String transcript) {
        assertThat(Transcripts.speech(transcript)).isEmpty();
    }

    @Test
    void nullIsNoSpeech() {
        assertThat(Transcripts.speech(null)).isEmpty();
    }

    @Test
    void wordsAreKeptWithoutMarkersAndWithSingleSpaces() {
        assertThat(Transcripts.speech("what time is it")).isEqualTo("what time is it");
        assertThat(Transcripts.speech("  [noise] what   time <unk> is it\n")).isEqualTo("what time is it");
        assertThat(Transcripts.speech("What time is it?")).isEqualTo("What time is it?");
        assertThat(Transcripts.speech("现在几点了？")).isEqualTo("现在几点了？");
        assertThat(Transcripts.speech("7")).isEqualTo("7");
    }

    @Test
    void aParenthesisBesideWordsStays() {
        assertThat(Transcripts.speech("call mum (the mobile)")).isEqualTo("call mum (the mobile)");
    }
}
