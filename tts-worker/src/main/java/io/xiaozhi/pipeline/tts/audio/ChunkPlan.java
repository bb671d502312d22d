package io.xiaozhi.pipeline.tts.audio;

/**
 * How many 60 ms packets each audio record of a sentence carries: {@code first} in chunk 0, so the
 * device can start playing early, then twice as many in each following chunk up to {@code max}, so a
 * long sentence costs few records. With 3 and 16: 3, 6, 12, 16, 16, … packets (180 ms, 360 ms, 720 ms,
 * 960 ms). Doubling keeps the next chunk ready before the previous ones have played as long as the
 * provider delivers audio at least twice as fast as it plays. The plan depends on nothing but the
 * chunk number, so the same audio is always cut the same way.
 */
public record ChunkPlan(int first, int max) {

    /** 180 ms first, at most 960 ms per record. */
    public static final ChunkPlan DEFAULT = new ChunkPlan(3, 16);

    public ChunkPlan {
        if (first < 1 || max < first || max > 1000) {
            throw new IllegalArgumentException("chunk sizes must satisfy 1 <= first <= max <= 1000, not " + first + " and " + max);
        }
    }

    /** Packets in chunk {@code chunk} (from 0). */
    public int packetsIn(int chunk) {
        if (chunk < 0) {
            throw new IllegalArgumentException("chunk numbers start at 0, not " + chunk);
        }
        long size = (long) first << Math.min(chunk, 20);
        return (int) Math.min(max, size);
    }
}
