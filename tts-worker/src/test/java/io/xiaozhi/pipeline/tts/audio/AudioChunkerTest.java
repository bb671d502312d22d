package io.xiaozhi.pipeline.tts.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AudioChunkerTest {

    /** A chunk as handed over. */
    private record Chunk(int number, List<byte[]> packets, boolean last) {
    }

    private static List<Chunk> chunk(short[] pcm, int rate, int pieceSeed) {
        List<Chunk> chunks = new ArrayList<>();
        AudioChunker chunker = new AudioChunker(new OpusPacketEncoder(5, 24_000), ChunkPlan.DEFAULT,
                (number, packets, last) -> chunks.add(new Chunk(number, packets, last)));
        Random random = new Random(pieceSeed);
        for (int at = 0; at < pcm.length; ) {
            int length = pieceSeed == 0 ? pcm.length : Math.min(pcm.length - at, 1 + random.nextInt(5000));
            chunker.accept(pcm, at, length, rate);
            at += length;
        }
        assertThat(chunker.finish()).isEqualTo(pcm.length > 0);
        return chunks;
    }

    @Test
    void twoSecondsBecomeThirtyFourPacketsInGrowingChunks() {
        List<Chunk> chunks = chunk(Tones.sine(300, 24_000, 2.0, 8000), 24_000, 0);
        assertThat(chunks).extracting(Chunk::number).containsExactly(0, 1, 2, 3);
        assertThat(chunks).extracting(c -> c.packets().size()).containsExactly(3, 6, 12, 13);
        assertThat(chunks).extracting(Chunk::last).containsExactly(false, false, false, true);
    }

    @Test
    void aLongSentenceIsCutIntoChunksOfAtMostSixteenPackets() {
        List<Chunk> chunks = chunk(Tones.sine(300, 16_000, 6.0, 8000), 16_000, 0);
        assertThat(chunks).extracting(c -> c.packets().size()).containsExactly(3, 6, 12, 16, 16, 16, 16, 15);
        assertThat(chunks.stream().filter(Chunk::last)).hasSize(1);
    }

    @Test
    void audioThatFillsExactlyOneChunkIsOneFinalChunk() {
        List<Chunk> chunks = chunk(new short[3 * OpusPacketEncoder.PACKET_SAMPLES], 24_000, 0);
        assertThat(chunks).singleElement().satisfies(c -> {
            assertThat(c.packets()).hasSize(3);
            assertThat(c.last()).isTrue();
        });
        // one sample more needs a fourth packet, in a second chunk
        assertThat(chunk(new short[3 * OpusPacketEncoder.PACKET_SAMPLES + 1], 24_000, 0))
                .extracting(c -> c.packets().size()).containsExactly(3, 1);
    }

    @Test
    void theSameAudioIsCutAndEncodedTheSameHoweverItArrives() {
        short[] speechLike = Tones.concat(Tones.sine(200, 16_000, 0.7, 9000), Tones.sine(900, 16_000, 0.9, 4000));
        List<Chunk> whole = chunk(speechLike, 16_000, 0);
        List<Chunk> pieces = chunk(speechLike, 16_000, 3);
        assertThat(pieces).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(pieces.get(i).number()).isEqualTo(whole.get(i).number());
            assertThat(pieces.get(i).last()).isEqualTo(whole.get(i).last());
            assertThat(pieces.get(i).packets()).as("chunk " + i).hasSameSizeAs(whole.get(i).packets());
            for (int p = 0; p < whole.get(i).packets().size(); p++) {
                assertThat(pieces.get(i).packets().get(p)).isEqualTo(whole.get(i).packets().get(p));
            }
        }
    }

    @Test
    void noAudioHandsOverNothing() {
        assertThat(chunk(new short[0], 24_000, 0)).isEmpty();
    }

    @Test
    void theRateMayNotChangeWithinASentence() {
        AudioChunker chunker = new AudioChunker(new OpusPacketEncoder(5, 24_000), ChunkPlan.DEFAULT, (n, p, l) -> { });
        chunker.accept(new short[100], 0, 100, 16_000);
        assertThatThrownBy(() -> chunker.accept(new short[100], 0, 100, 24_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16000 to 24000 Hz");
    }

    @Test
    void thePlanDoublesUpToItsMaximum() {
        assertThat(List.of(0, 1, 2, 3, 4, 40).stream().map(ChunkPlan.DEFAULT::packetsIn).toList()).containsExactly(3, 6, 12, 16, 16, 16);
        assertThat(new ChunkPlan(1, 1).packetsIn(5)).isEqualTo(1);
        assertThatThrownBy(() -> new ChunkPlan(4, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
