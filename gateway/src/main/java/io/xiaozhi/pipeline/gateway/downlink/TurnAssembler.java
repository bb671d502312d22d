package io.xiaozhi.pipeline.gateway.downlink;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts the pieces of one turn back in order. Sentence texts, failures and audio chunks may arrive in
 * any order and more than once; the assembler releases, strictly in order, a
 * {@link DownlinkItem.SentenceStart} followed by that sentence's packets in chunk order, then the next
 * sentence, and a {@link DownlinkItem.TurnEnd} once the sentence flagged last is fully released.
 *
 * <p>A sentence is started only when its text and its first chunk are both present, so the device
 * shows a sentence's text just before its audio. A sentence with a blank text or a
 * {@link TurnPiece.SentenceFailed} is skipped without blocking the ones after it.
 *
 * <p>Memory is bounded: packets not yet taken by {@link #poll()} (released or waiting for an earlier
 * piece) count against {@code maxBufferedPackets}, and sentences waiting against
 * {@code maxPendingSentences}; a piece that would exceed either fails the turn, which then drops
 * everything. Not thread-safe: one owner calls it.
 */
public final class TurnAssembler {

    private final String turnId;
    private final int maxBufferedPackets;
    private final int maxPendingSentences;
    private final Map<Integer, PendingSentence> pending = new HashMap<>();
    private final ArrayDeque<DownlinkItem> released = new ArrayDeque<>();
    private int nextSeq;
    private int nextChunk;
    private boolean sentenceStarted;
    private int lastSeq = -1;
    private int bufferedPackets;
    private TurnState state = TurnState.OPEN;
    private String failureReason;

    public TurnAssembler(String turnId, int maxBufferedPackets, int maxPendingSentences) {
        if (maxBufferedPackets < 1 || maxPendingSentences < 1) {
            throw new IllegalArgumentException("limits must be positive: packets " + maxBufferedPackets
                    + ", sentences " + maxPendingSentences);
        }
        this.turnId = turnId;
        this.maxBufferedPackets = maxBufferedPackets;
        this.maxPendingSentences = maxPendingSentences;
    }

    public String turnId() {
        return turnId;
    }

    public TurnState state() {
        return state;
    }

    /** Why the turn failed, or {@code null} if it did not. */
    public String failureReason() {
        return failureReason;
    }

    /** Packets held: released but not yet polled, plus those waiting for an earlier piece. */
    public int bufferedPackets() {
        return bufferedPackets;
    }

    /** Takes one piece and releases whatever it makes ready. */
    public Acceptance accept(TurnPiece piece) {
        boolean malformed = piece.seq() < 0 || (piece instanceof TurnPiece.AudioChunk chunk && chunk.chunk() < 0);
        if (state != TurnState.OPEN || malformed || (lastSeq >= 0 && piece.seq() > lastSeq)) {
            return Acceptance.DROPPED;
        }
        if (piece.seq() < nextSeq) {
            return Acceptance.DUPLICATE;
        }
        PendingSentence sentence = pending.get(piece.seq());
        if (sentence == null) {
            if (pending.size() >= maxPendingSentences) {
                return fail("more than " + maxPendingSentences + " sentences waiting for an earlier one");
            }
            sentence = new PendingSentence();
            pending.put(piece.seq(), sentence);
        }
        Acceptance acceptance;
        if (piece instanceof TurnPiece.SentenceText text) {
            acceptance = acceptText(sentence, text);
        } else if (piece instanceof TurnPiece.SentenceFailed failed) {
            acceptance = acceptFailure(sentence, failed);
        } else {
            acceptance = acceptChunk(sentence, (TurnPiece.AudioChunk) piece);
        }
        if (acceptance == Acceptance.ACCEPTED) {
            release();
        }
        return acceptance;
    }

    /** The next released item without taking it, or {@code null} if none is ready. */
    public DownlinkItem peek() {
        return released.peekFirst();
    }

    /** Takes the next released item, or returns {@code null} if none is ready. */
    public DownlinkItem poll() {
        DownlinkItem item = released.pollFirst();
        if (item instanceof DownlinkItem.AudioPacket) {
            bufferedPackets--;
        }
        return item;
    }

    /** Stops the turn: drops everything held; later pieces are dropped. */
    public void abort() {
        if (state == TurnState.OPEN || state == TurnState.COMPLETE) {
            state = TurnState.ABORTED;
        }
        clear();
    }

    private Acceptance acceptText(PendingSentence sentence, TurnPiece.SentenceText text) {
        if (text.last()) {
            markLast(text.seq());
        }
        if (sentence.text != null || sentence.failed) {
            return Acceptance.DUPLICATE;
        }
        sentence.text = text.text();
        return Acceptance.ACCEPTED;
    }

    private Acceptance acceptFailure(PendingSentence sentence, TurnPiece.SentenceFailed failed) {
        if (failed.last()) {
            markLast(failed.seq());
        }
        if (sentence.failed) {
            return Acceptance.DUPLICATE;
        }
        sentence.failed = true;
        bufferedPackets -= sentence.dropChunks();
        return Acceptance.ACCEPTED;
    }

    private Acceptance acceptChunk(PendingSentence sentence, TurnPiece.AudioChunk chunk) {
        if (sentence.failed) {
            return Acceptance.DROPPED;
        }
        boolean alreadyReleased = chunk.seq() == nextSeq && sentenceStarted && chunk.chunk() < nextChunk;
        if (alreadyReleased || sentence.chunks.containsKey(chunk.chunk())) {
            return Acceptance.DUPLICATE;
        }
        if (sentence.finalChunk >= 0 && chunk.chunk() > sentence.finalChunk) {
            return Acceptance.DROPPED;
        }
        if (bufferedPackets + chunk.packets().size() > maxBufferedPackets) {
            return fail("more than " + maxBufferedPackets + " audio packets buffered for the turn");
        }
        if (chunk.last()) {
            sentence.finalChunk = chunk.chunk();
        }
        sentence.chunks.put(chunk.chunk(), chunk.packets());
        bufferedPackets += chunk.packets().size();
        return Acceptance.ACCEPTED;
    }

    private void markLast(int seq) {
        if (lastSeq >= 0 && lastSeq <= seq) {
            return;
        }
        lastSeq = seq;
        Iterator<Map.Entry<Integer, PendingSentence>> beyond = pending.entrySet().iterator();
        while (beyond.hasNext()) {
            Map.Entry<Integer, PendingSentence> entry = beyond.next();
            if (entry.getKey() > seq) {
                bufferedPackets -= entry.getValue().dropChunks();
                beyond.remove();
            }
        }
        release();
    }

    private void release() {
        while (state == TurnState.OPEN) {
            PendingSentence sentence = pending.get(nextSeq);
            if (sentence == null) {
                return;
            }
            if (sentence.failed || (sentence.text != null && sentence.text.isBlank())) {
                finishSentence(sentence);
                continue;
            }
            if (sentence.text == null) {
                return;
            }
            if (!sentenceStarted) {
                if (!sentence.chunks.containsKey(0)) {
                    return;
                }
                released.addLast(new DownlinkItem.SentenceStart(nextSeq, sentence.text));
                sentenceStarted = true;
            }
            List<byte[]> packets;
            while ((packets = sentence.chunks.remove(nextChunk)) != null) {
                for (byte[] packet : packets) {
                    released.addLast(new DownlinkItem.AudioPacket(nextSeq, packet));
                }
                nextChunk++;
            }
            if (sentence.finalChunk < 0 || nextChunk <= sentence.finalChunk) {
                return;
            }
            finishSentence(sentence);
        }
    }

    private void finishSentence(PendingSentence sentence) {
        bufferedPackets -= sentence.dropChunks();
        pending.remove(nextSeq);
        boolean last = nextSeq == lastSeq;
        nextSeq++;
        nextChunk = 0;
        sentenceStarted = false;
        if (last) {
            released.addLast(new DownlinkItem.TurnEnd());
            state = TurnState.COMPLETE;
        }
    }

    private Acceptance fail(String reason) {
        state = TurnState.FAILED;
        failureReason = "turn " + turnId + ": " + reason;
        clear();
        return Acceptance.TURN_FAILED;
    }

    private void clear() {
        pending.clear();
        released.clear();
        bufferedPackets = 0;
    }

    /** A sentence not yet fully released. */
    private static final class PendingSentence {
        private String text;
        private boolean failed;
        private int finalChunk = -1;
        private final TreeMap<Integer, List<byte[]>> chunks = new TreeMap<>();

        /** Drops the chunks held and returns how many packets they had. */
        int dropChunks() {
            int count = 0;
            for (List<byte[]> packets : chunks.values()) {
                count += packets.size();
            }
            chunks.clear();
            return count;
        }
    }
}
