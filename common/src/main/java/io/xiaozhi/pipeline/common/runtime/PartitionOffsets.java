package io.xiaozhi.pipeline.common.runtime;

import java.util.OptionalLong;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one partition that are in flight during one assignment of that partition. Records
 * complete in any order; the offset that may be committed is the lowest still in flight, or one past
 * the highest started when none is. A new assignment of the same partition gets a new instance, so a
 * completion that arrives from an earlier assignment is recognised as stale.
 *
 * <p>Not thread-safe: owned by one consumer loop.
 */
final class PartitionOffsets {

    private final TopicPartition partition;
    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long highestStarted = -1;
    private long lastCommitted = -1;

    PartitionOffsets(TopicPartition partition) {
        this.partition = partition;
    }

    TopicPartition partition() {
        return partition;
    }

    void started(long offset) {
        if (offset <= highestStarted) {
            throw new IllegalStateException(partition + ": offset " + offset + " started after " + highestStarted);
        }
        inFlight.add(offset);
        highestStarted = offset;
    }

    /** Returns false when the offset was not in flight (already finished). */
    boolean finished(long offset) {
        return inFlight.remove(offset);
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** The next offset a consumer of this partition must read after a restart: everything before it is done. */
    OptionalLong committable() {
        if (!inFlight.isEmpty()) {
            return OptionalLong.of(inFlight.first());
        }
        return highestStarted >= 0 ? OptionalLong.of(highestStarted + 1) : OptionalLong.empty();
    }

    /** The committable offset if it moved since the last commit. */
    OptionalLong committableIfAdvanced() {
        OptionalLong next = committable();
        return next.isPresent() && next.getAsLong() > lastCommitted ? next : OptionalLong.empty();
    }

    void committed(long offset) {
        lastCommitted = Math.max(lastCommitted, offset);
    }
}
