package io.xiaozhi.pipeline.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TurnSegmentsTest {

    @Test
    void aSpokenTurnSplitsIntoEverySegmentInOrder() {
        Map<String, Long> timings = Map.of("eos", 1000L, "asr.start", 1010L, "asr.end", 1330L, "llm.start", 1345L, "llm.sent", 1950L,
                "tts.start", 1962L, "tts", 2000L);
        assertThat(TurnSegments.of(timings, 2011L, 2013L)).containsExactly(entry("to_asr", 10L), entry("asr", 320L), entry("to_llm", 15L),
                entry("llm", 605L), entry("to_tts", 12L), entry("tts", 38L), entry("to_gateway", 11L), entry("gateway", 2L));
    }

    @Test
    void aTextTurnHasNoAsrSegmentsAndItsWayToTheModelStartsAtTheEndOfSpeech() {
        Map<String, Long> timings = Map.of("eos", 1000L, "llm.start", 1020L, "llm.sent", 1500L, "tts.start", 1510L, "tts", 1550L);
        assertThat(TurnSegments.of(timings, 1560L, 1560L)).containsExactly(entry("to_llm", 20L), entry("llm", 480L), entry("to_tts", 10L),
                entry("tts", 40L), entry("to_gateway", 10L), entry("gateway", 0L));
    }

    @Test
    void clocksThatDisagreeGiveZeroNotANegativeSegmentAndWithoutTheEndOfSpeechNothingIsTold() {
        assertThat(TurnSegments.of(Map.of("eos", 1000L, "asr.start", 990L, "asr.end", 1300L), 1400L, 1401L))
                .containsEntry("to_asr", 0L).containsEntry("asr", 310L).containsEntry("to_gateway", 100L);
        assertThat(TurnSegments.of(Map.of("asr.start", 990L), 1400L, 1401L)).isEmpty();
        assertThat(TurnSegments.NAMES).containsExactly("to_asr", "asr", "to_llm", "llm", "to_tts", "tts", "to_gateway", "gateway");
    }
}
