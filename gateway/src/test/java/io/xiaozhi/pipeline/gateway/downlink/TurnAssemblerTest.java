package io.xiaozhi.pipeline.gateway.downlink;

import static io.xiaozhi.pipeline.gateway.downlink.RecordingSink.packets;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnAssemblerTest {

    private final TurnAssembler assembler = new TurnAssembler("t1", 100, 8);

    private static TurnPiece.SentenceText text(int seq, String text, boolean last) {
        return new TurnPiece.SentenceText(seq, text, last);
    }

    private static TurnPiece.AudioChunk chunk(int seq, int chunk, boolean last, int firstId, int count) {
        return new TurnPiece.AudioChunk(seq, chunk, last, packets(firstId, count));
    }

    /** Everything released so far, rendered as {@code S<seq>:<text>}, {@code P<id>} and {@code END}. */
    private List<String> drain() {
        List<String> out = new ArrayList<>();
        DownlinkItem item;
        while ((item = assembler.poll()) != null) {
            if (item instanceof DownlinkItem.SentenceStart start) {
                out.add("S" + start.seq() + ":" + start.text());
            } else if (item instanceof DownlinkItem.AudioPacket packet) {
                out.add("P" + ByteBuffer.wrap(packet.packet()).getInt());
            } else {
                out.add("END");
            }
        }
        return out;
    }

    @Test
    void releasesSentencesInOrderThenTurnEnd() {
        assembler.accept(text(0, "Hello.", false));
        assembler.accept(chunk(0, 0, true, 100, 2));
        assembler.accept(text(1, "Bye.", true));
        assembler.accept(chunk(1, 0, false, 200, 1));
        assembler.accept(chunk(1, 1, true, 201, 1));

        assertThat(drain()).containsExactly("S0:Hello.", "P100", "P101", "S1:Bye.", "P200", "P201", "END");
        assertThat(assembler.state()).isEqualTo(TurnState.COMPLETE);
    }

    @Test
    void reordersSentencesAndChunksThatArriveOutOfOrder() {
        assertThat(assembler.accept(chunk(1, 1, true, 210, 1))).isEqualTo(Acceptance.ACCEPTED);
        assembler.accept(text(1, "Second.", true));
        assembler.accept(chunk(1, 0, false, 200, 2));
        assembler.accept(chunk(0, 1, true, 110, 1));
        assertThat(drain()).as("nothing of sentence 1 before sentence 0").isEmpty();

        assembler.accept(text(0, "First.", false));
        assertThat(drain()).as("sentence 0 waits for its first chunk").isEmpty();

        assembler.accept(chunk(0, 0, false, 100, 1));
        assertThat(drain()).containsExactly("S0:First.", "P100", "P110", "S1:Second.", "P200", "P201", "P210", "END");
    }

    @Test
    void releasesChunksOfTheCurrentSentenceAsTheyBecomeContiguous() {
        assembler.accept(text(0, "Long.", true));
        assembler.accept(chunk(0, 0, false, 100, 1));
        assertThat(drain()).containsExactly("S0:Long.", "P100");

        assembler.accept(chunk(0, 2, true, 120, 1));
        assertThat(drain()).isEmpty();
        assembler.accept(chunk(0, 1, false, 110, 1));
        assertThat(drain()).containsExactly("P110", "P120", "END");
    }

    @Test
    void dropsDuplicatesBeforeAndAfterRelease() {
        assembler.accept(text(0, "One.", false));
        assembler.accept(chunk(0, 1, true, 110, 1));
        assertThat(assembler.accept(chunk(0, 1, true, 110, 1))).as("buffered chunk again").isEqualTo(Acceptance.DUPLICATE);
        assembler.accept(chunk(0, 0, false, 100, 1));
        assertThat(assembler.accept(chunk(0, 0, false, 100, 1))).as("released chunk again").isEqualTo(Acceptance.DUPLICATE);
        assertThat(assembler.accept(text(0, "One.", false))).as("released sentence text again").isEqualTo(Acceptance.DUPLICATE);
        assembler.accept(text(1, "Two.", true));
        assertThat(assembler.accept(text(1, "Two.", true))).isEqualTo(Acceptance.DUPLICATE);
        assembler.accept(chunk(1, 0, true, 200, 1));

        assertThat(drain()).containsExactly("S0:One.", "P100", "P110", "S1:Two.", "P200", "END");
        assertThat(assembler.bufferedPackets()).isZero();
    }

    @Test
    void sentenceWithBlankTextOrFailedSynthesisDoesNotBlockTheNext() {
        assembler.accept(text(0, "  ", false));
        assembler.accept(text(1, "Never synthesized.", false));
        assembler.accept(text(2, "Broken midway.", false));
        assembler.accept(chunk(2, 0, false, 200, 2));
        assembler.accept(chunk(2, 2, true, 220, 3));
        assembler.accept(text(3, "Fine.", true));
        assembler.accept(chunk(3, 0, true, 300, 1));
        assertThat(drain()).as("sentence 1 blocks until its audio arrives or fails").isEmpty();

        assertThat(assembler.accept(new TurnPiece.SentenceFailed(1, false, "tts 500"))).isEqualTo(Acceptance.ACCEPTED);
        assertThat(drain()).as("sentence 2 waits for its missing chunk 1").containsExactly("S2:Broken midway.", "P200", "P201");

        assembler.accept(new TurnPiece.SentenceFailed(2, false, "tts worker gave up"));

        assertThat(drain()).containsExactly("S3:Fine.", "P300", "END");
        assertThat(assembler.bufferedPackets()).as("the failed sentence's held audio is dropped").isZero();
        assertThat(assembler.accept(chunk(2, 1, false, 210, 1))).isEqualTo(Acceptance.DROPPED);
    }

    @Test
    void failedLastSentenceStillEndsTheTurn() {
        assembler.accept(text(0, "Only.", false));
        assembler.accept(chunk(0, 0, true, 100, 1));
        assembler.accept(new TurnPiece.SentenceFailed(1, true, "tts timeout"));

        assertThat(drain()).containsExactly("S0:Only.", "P100", "END");
        assertThat(assembler.state()).isEqualTo(TurnState.COMPLETE);
    }

    @Test
    void piecesAfterTheEndOrAnAbortAreDropped() {
        assembler.accept(text(0, "Done.", true));
        assembler.accept(chunk(0, 0, true, 100, 1));
        assertThat(assembler.accept(text(1, "Beyond the last.", false))).isEqualTo(Acceptance.DROPPED);

        TurnAssembler aborted = new TurnAssembler("t2", 100, 8);
        aborted.accept(text(0, "Cut.", false));
        aborted.accept(chunk(0, 0, false, 100, 5));
        aborted.abort();

        assertThat(aborted.poll()).isNull();
        assertThat(aborted.bufferedPackets()).isZero();
        assertThat(aborted.accept(chunk(0, 1, true, 105, 1))).isEqualTo(Acceptance.DROPPED);
        assertThat(aborted.state()).isEqualTo(TurnState.ABORTED);
    }

    @Test
    void lastFlagDropsPiecesOfLaterSentences() {
        assembler.accept(chunk(3, 0, true, 300, 4));
        assertThat(assembler.bufferedPackets()).isEqualTo(4);

        assembler.accept(text(1, "End here.", true));

        assertThat(assembler.bufferedPackets()).isZero();
        assertThat(assembler.accept(chunk(2, 0, true, 200, 1))).isEqualTo(Acceptance.DROPPED);
    }

    @Test
    void failsTheTurnInsteadOfBufferingBeyondTheLimit() {
        assembler.accept(text(1, "Waiting for sentence 0.", true));
        assertThat(assembler.accept(chunk(1, 0, false, 0, 60))).isEqualTo(Acceptance.ACCEPTED);
        assertThat(assembler.accept(chunk(1, 1, false, 60, 40))).as("exactly at the limit").isEqualTo(Acceptance.ACCEPTED);

        assertThat(assembler.accept(chunk(1, 2, true, 100, 1))).isEqualTo(Acceptance.TURN_FAILED);

        assertThat(assembler.state()).isEqualTo(TurnState.FAILED);
        assertThat(assembler.failureReason()).contains("t1").contains("more than 100 audio packets");
        assertThat(assembler.bufferedPackets()).isZero();
        assertThat(assembler.accept(text(0, "Too late.", false))).isEqualTo(Acceptance.DROPPED);
    }

    @Test
    void failsTheTurnWhenTooManySentencesWait() {
        for (int seq = 1; seq <= 8; seq++) {
            assertThat(assembler.accept(text(seq, "s" + seq, false))).isEqualTo(Acceptance.ACCEPTED);
        }

        assertThat(assembler.accept(text(9, "s9", false))).isEqualTo(Acceptance.TURN_FAILED);
        assertThat(assembler.failureReason()).contains("more than 8 sentences");
    }

    @Test
    void dropsMalformedPieces() {
        assertThat(assembler.accept(chunk(-1, 0, true, 1, 1))).isEqualTo(Acceptance.DROPPED);
        assertThat(assembler.accept(chunk(0, -1, true, 1, 1))).isEqualTo(Acceptance.DROPPED);
        assembler.accept(chunk(0, 1, true, 110, 1));
        assertThat(assembler.accept(chunk(0, 2, false, 120, 1))).as("past the final chunk").isEqualTo(Acceptance.DROPPED);
        assertThat(assembler.bufferedPackets()).isEqualTo(1);
    }
}
