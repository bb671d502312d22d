package io.xiaozhi.pipeline.monitor.lag;

import java.util.List;
import java.util.Objects;

/**
 * The offsets of one stage's group and topic as read at one moment by {@link LagSampler}: the raw
 * material {@link LagAnalyzer} derives a stage's lag, rates and state from.
 *
 * @param target     the group and topic
 * @param timestamp  when the offsets had been read (epoch ms); ages are measured to this moment
 * @param members    members of the group (0 when it is empty, dead or unknown to the broker)
 * @param groupState the group's state as the broker names it ({@code Stable}, {@code Empty}, {@code Dead}, ...)
 * @param partitions every partition of the topic, by partition number
 */
public record LagSample(LagTarget target, long timestamp, int members, String groupState, List<PartitionSample> partitions) {

    public LagSample {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(groupState, "groupState");
        partitions = List.copyOf(partitions);
        if (members < 0) {
            throw new IllegalArgumentException("members must not be negative");
        }
    }

    /** Records not yet committed, over all partitions. */
    public long records() {
        return partitions.stream().mapToLong(PartitionSample::records).sum();
    }

    /**
     * One partition.
     *
     * @param partition       the partition number
     * @param logStart        the earliest offset still in the log
     * @param end             the end offset (the offset of the next record)
     * @param groupOffset     the group's committed offset, or -1 when the group never committed one
     * @param oldestTimestamp the timestamp (epoch ms) of the first record at or after {@link #committed()}, or -1
     *                        when there is no lag or it could not be read
     */
    public record PartitionSample(int partition, long logStart, long end, long groupOffset, long oldestTimestamp) {

        /**
         * Where the group will go on from: its committed offset, or the log start when it has none (a new
         * group starts at the earliest record) or when retention deleted the records it had not read.
         */
        public long committed() {
            return Math.max(groupOffset, logStart);
        }

        /** Records from {@link #committed()} to the end; never negative. */
        public long records() {
            return Math.max(0, end - committed());
        }

        /** Whether the group has a committed offset of its own here. */
        public boolean groupCommitted() {
            return groupOffset >= 0;
        }

        /** The age of the oldest record not yet committed at {@code now}, in seconds; 0 without lag or timestamp. */
        public double ageSeconds(long now) {
            if (records() == 0 || oldestTimestamp < 0) {
                return 0;
            }
            return Math.max(0, now - oldestTimestamp) / 1000.0;
        }
    }
}
