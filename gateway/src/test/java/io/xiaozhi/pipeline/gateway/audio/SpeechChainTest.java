package io.xiaozhi.pipeline.gateway.audio;

import io.xiaozhi.pipeline.common.audio.OpusEncoding;

import io.xiaozhi.pipeline.common.audio.OpusDecoding;

import io.xiaozhi.pipeline.common.audio.DecodeResult;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.gateway.audio.UtteranceEvent.SpeechEnded;
import io.xiaozhi.pipeline.gateway.audio.UtteranceEvent.SpeechStarted;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A device speaks the JFK clip and falls silent: Opus packets → decoder → Silero → detector. */
class SpeechChainTest {

    @Test
    void jfkOverOpusGivesSpeechSegmentsAndEndsAfterTheTrailingSilence() {
        short[] speech = TestAudio.jfk();
        long speechMillis = speech.length * 1000L / TestAudio.RATE;
        List<byte[]> packets = new OpusEncoding(16_000).encode(TestAudio.concat(speech, TestAudio.silence(1500)));

        OpusDecoding decoder = new OpusDecoding();
        UtteranceDetector detector = new UtteranceDetector();
        List<UtteranceEvent> events = new ArrayList<>();
        List<Long> reportedAtMillis = new ArrayList<>();
        long receivedMillis = 0;
        try (SileroModel model = SileroModel.load(); SileroVad vad = model.newVad()) {
            for (byte[] packet : packets) {
                receivedMillis += 60;
                short[] pcm = ((DecodeResult.Samples) decoder.decode(packet)).samples();
                for (float p : vad.feed(pcm)) {
                    long at = receivedMillis;
                    detector.accept(p).ifPresent(e -> {
                        events.add(e);
                        reportedAtMillis.add(at);
                    });
                }
            }
        }

        assertThat(events).isNotEmpty();
        assertThat(events.get(0)).isInstanceOf(SpeechStarted.class);
        assertThat(((SpeechStarted) events.get(0)).startMillis()).isLessThan(1000);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i)).isInstanceOf(i % 2 == 0 ? SpeechStarted.class : SpeechEnded.class);
        }
        assertThat(events).hasSizeGreaterThanOrEqualTo(2).last().isInstanceOf(SpeechEnded.class);
        SpeechEnded last = (SpeechEnded) events.get(events.size() - 1);
        assertThat(last.endMillis()).isBetween(speechMillis - 1500, speechMillis + 200);
        // The end is reported once the 700 ms of silence after the speech have arrived.
        assertThat(reportedAtMillis.get(reportedAtMillis.size() - 1))
                .isBetween(last.endMillis() + 700, last.endMillis() + 700 + 2 * 60);
        assertThat(detector.inSpeech()).isFalse();
    }
}
