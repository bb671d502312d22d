package io.xiaozhi.pipeline.common.lag;

import io.xiaozhi.pipeline.common.Stage;
import java.util.List;
import java.util.Objects;

/**
 * One stage's queue as the monitor last measured it: the value of a {@code xiaozhi.lag} record (key:
 * the stage id), what {@code /api/lag} lists and what a gateway's admission reads.
 * {@link StageLagJson} writes and reads it:
 *
 * <pre>{@code
 * {"stage":"asr","group":"xiaozhi.asr","topic":"xiaozhi.asr.requests","timestamp":1764230400000,
 *  "records":12,"seconds":3.4,"state":"OK","members":2,
 *  "drain_rate":5.2,"arrival_rate":6.0,"drain_seconds":null,"recommended_workers":3,
 *  "queue_size":30,"max_concurrent":8,"timeout":20,
 *  "partitions":[{"partition":0,"end":100,"committed":90,"records":10,"seconds":3.4}]}
 * }</pre>
 *
 * @param stage              the stage
 * @param group              its consumer group
 * @param topic              its request topic
 * @param timestamp          when the offsets were read (epoch ms, the monitor's clock)
 * @param records            requests not yet committed by the group, over all partitions: waiting, and in flight at the workers
 * @param seconds            the age of the oldest of them (the largest of the partitions' ages); 0 without lag
 * @param state              how the group keeps up over the monitor's window
 * @param members            members (consumers) in the group
 * @param drainRate          records per second the group committed over the window
 * @param arrivalRate        records per second that arrived over the window
 * @param drainSeconds       seconds until the queue is empty at these rates: 0 when it is, {@code null} when it
 *                           does not shrink
 * @param recommendedWorkers worker processes that would drain the queue within the monitor's drain target
 * @param queueSize          the stage's configured {@code queue_size}
 * @param maxConcurrent      the stage's configured {@code max_concurrent} (per worker process)
 * @param timeout            the stage's configured {@code timeout} (seconds)
 * @param partitions         the same per partition
 */
public record StageLag(Stage stage, String group, String topic, long timestamp, long records, double seconds,
                       LagState state, int members, double drainRate, double arrivalRate, Double drainSeconds,
                       int recommendedWorkers, int queueSize, int maxConcurrent, int timeout, List<Partition> partitions) {

    /**
     * One partition of the request topic.
     *
     * @param partition the partition number
     * @param end       its end offset (the offset the next record will get)
     * @param committed the group's committed offset, or the log start offset when the group has none
     * @param records   records from the committed offset to the end
     * @param seconds   the age of the record at the committed offset; 0 without lag
     */
    public record Partition(int partition, long end, long committed, long records, double seconds) {

        public Partition {
            atLeastZero("partition", partition);
            atLeastZero("end", end);
            atLeastZero("committed", committed);
            atLeastZero("records", records);
            finiteAtLeastZero("seconds", seconds);
        }
    }

    public StageLag {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(state, "state");
        if (group == null || group.isEmpty()) {
            throw new IllegalArgumentException("group must not be empty");
        }
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        atLeastZero("timestamp", timestamp);
        atLeastZero("records", records);
        finiteAtLeastZero("seconds", seconds);
        atLeastZero("members", members);
        finiteAtLeastZero("drain_rate", drainRate);
        finiteAtLeastZero("arrival_rate", arrivalRate);
        if (drainSeconds != null) {
            finiteAtLeastZero("drain_seconds", drainSeconds);
        }
        atLeastZero("recommended_workers", recommendedWorkers);
        atLeastZero("queue_size", queueSize);
        atLeastZero("max_concurrent", maxConcurrent);
        atLeastZero("timeout", timeout);
        partitions = List.copyOf(Objects.requireNonNull(partitions, "partitions"));
    }

    private static void atLeastZero(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative, not " + value);
        }
    }

    private static void finiteAtLeastZero(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException(field + " must be a finite number of at least 0, not " + value);
        }
    }
}
