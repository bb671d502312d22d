package io.xiaozhi.pipeline.common.runtime;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets of one consumer's assigned partitions: what is in flight, and what may be committed
 * (never past unfinished work). Not thread-safe: owned by one consumer loop.
 */
final class OffsetTracker {

    private final Map<TopicPartition, PartitionOffsets> partitions = new HashMap<>();

    /** Starts tracking newly assigned partitions; returns nothing for partitions already tracked. */
    void assigned(Collection<TopicPartition> assigned) {
        for (TopicPartition partition : assigned) {
            partitions.computeIfAbsent(partition, PartitionOffsets::new);
        }
    }

    /** The tracking of {@code partition} in this assignment, or null if it is not assigned. */
    PartitionOffsets of(TopicPartition partition) {
        return partitions.get(partition);
    }

    /**
     * Stops tracking revoked partitions and returns the offsets to commit for them: completions of
     * their records that arrive later are stale and must be dropped.
     */
    Map<TopicPartition, OffsetAndMetadata> revoked(Collection<TopicPartition> revoked) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition partition : revoked) {
            PartitionOffsets offsets = partitions.remove(partition);
            if (offsets != null) {
                offsets.committableIfAdvanced().ifPresent(o -> commit.put(partition, new OffsetAndMetadata(o)));
            }
        }
        return commit;
    }

    /** Forgets partitions lost without a chance to commit (another consumer may already own them). */
    void lost(Collection<TopicPartition> lost) {
        lost.forEach(partitions::remove);
    }

    /**
     * Records a completion. Returns false when it is stale: its partition was revoked (or revoked and
     * assigned again) since the record started.
     */
    boolean finished(PartitionOffsets startedIn, long offset) {
        if (partitions.get(startedIn.partition()) != startedIn) {
            return false;
        }
        return startedIn.finished(offset);
    }

    /** Offsets that advanced since the last commit, per partition. */
    Map<TopicPartition, OffsetAndMetadata> toCommit() {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        partitions.forEach((partition, offsets) -> {
            OptionalLong next = offsets.committableIfAdvanced();
            next.ifPresent(o -> commit.put(partition, new OffsetAndMetadata(o)));
        });
        return commit;
    }

    /** Marks offsets as committed, for partitions still assigned. */
    void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> {
            PartitionOffsets tracked = partitions.get(partition);
            if (tracked != null) {
                tracked.committed(offset.offset());
            }
        });
    }

    int inFlight() {
        int total = 0;
        for (PartitionOffsets offsets : partitions.values()) {
            total += offsets.inFlightCount();
        }
        return total;
    }

    Collection<TopicPartition> assignedPartitions() {
        return partitions.keySet();
    }
}
