package io.xiaozhi.pipeline.monitor.lag;

import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads, for each {@link LagTarget}, what its lag is made of: the group's members and state
 * ({@code describeConsumerGroups}), its committed offsets ({@code listConsumerGroupOffsets}), the
 * topic's log start and end offsets ({@code listOffsets} earliest and latest), and for each partition
 * with lag the timestamp of the record at the committed offset. That record is fetched by a consumer
 * of no group ({@code assign}, {@code seek}, one poll, at most one record batch per partition, so a
 * 5 MiB photo is read once and not more); its timestamp is kept per partition and offset, so a group
 * stuck at an offset costs one fetch, not one per sample. Request topics stamp records with the
 * broker's append time, so the age of that record is how long the oldest unfinished request has waited.
 *
 * <p>The requests of one {@link #sample()} for all targets go out together and share one deadline;
 * a target whose topic, group or offsets cannot be read within it is reported as failed in the
 * {@link Round} (a {@link LagSampleException} naming the group and topic) without spoiling the others.
 * Not thread-safe: one thread samples.
 */
public final class LagSampler implements AutoCloseable {

    /** What one sample of every target gave: a sample per target that could be read, the failure of each other. */
    public record Round(List<LagSample> samples, Map<LagTarget, RuntimeException> failures) {

        public Round {
            samples = List.copyOf(samples);
            failures = Map.copyOf(failures);
        }
    }

    private final Admin admin;
    private final Supplier<Consumer<byte[], byte[]>> readers;
    private final List<LagTarget> targets;
    private final LongSupplier clock;
    private final Duration timeout;
    /** Per partition: the offset whose record's timestamp is known, and that timestamp. */
    private final Map<TopicPartition, long[]> timestamps = new HashMap<>();
    private Consumer<byte[], byte[]> reader;

    /**
     * @param admin   the admin client (not closed by {@link #close()})
     * @param readers makes the group-less consumer that reads timestamps, on first need (closed by {@link #close()})
     * @param targets the groups and topics to sample
     * @param clock   epoch milliseconds: the time samples are stamped with and ages measured to
     * @param timeout how long one sample of all targets may take
     */
    public LagSampler(Admin admin, Supplier<Consumer<byte[], byte[]>> readers, List<LagTarget> targets, LongSupplier clock,
                      Duration timeout) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.readers = Objects.requireNonNull(readers, "readers");
        this.targets = List.copyOf(targets);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (this.targets.isEmpty()) {
            throw new IllegalArgumentException("nothing to sample");
        }
    }

    /** A sampler whose timestamp reader is a consumer of {@code clients} ({@link #readerConfig(KafkaClients)}). */
    public static LagSampler create(KafkaClients clients, Admin admin, List<LagTarget> targets, LongSupplier clock, Duration timeout) {
        return new LagSampler(admin, () -> new KafkaConsumer<>(readerConfig(clients)), targets, clock, timeout);
    }

    /**
     * A consumer of no group that fetches as little as the broker allows: at most one record batch per
     * partition per fetch, and 1 MiB in all (a batch larger than that still comes whole).
     */
    public static Map<String, Object> readerConfig(KafkaClients clients) {
        Map<String, Object> config = clients.groupLessConsumerConfig("lag-timestamps");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024 * 1024);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        return config;
    }

    public List<LagTarget> targets() {
        return targets;
    }

    /** Reads every target once. */
    public Round sample() {
        long deadline = System.nanoTime() + timeout.toNanos();
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Set<String> topics = new LinkedHashSet<>();
        Map<String, ListConsumerGroupOffsetsSpec> groups = new LinkedHashMap<>();
        for (LagTarget target : targets) {
            topics.add(target.topic());
            groups.put(target.group(), new ListConsumerGroupOffsetsSpec());
        }
        Map<String, KafkaFuture<TopicDescription>> described =
                admin.describeTopics(topics, new DescribeTopicsOptions().timeoutMs(timeoutMs)).topicNameValues();
        Map<String, KafkaFuture<ConsumerGroupDescription>> groupDescriptions =
                admin.describeConsumerGroups(groups.keySet(), new DescribeConsumerGroupsOptions().timeoutMs(timeoutMs)).describedGroups();
        ListConsumerGroupOffsetsResult committed =
                admin.listConsumerGroupOffsets(groups, new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs));

        Map<String, List<TopicPartition>> partitions = new HashMap<>();
        Map<String, RuntimeException> topicFailures = new HashMap<>();
        for (String topic : topics) {
            try {
                TopicDescription description = await(described.get(topic), deadline);
                partitions.put(topic, description.partitions().stream()
                        .map(TopicPartitionInfo::partition).sorted().map(p -> new TopicPartition(topic, p)).toList());
            } catch (RuntimeException e) {
                topicFailures.put(topic, new LagSampleException("cannot describe topic " + topic + ": " + e.getMessage(), e));
            }
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.values().forEach(list -> list.forEach(tp -> {
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        }));
        ListOffsetsResult ends = admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(timeoutMs));
        ListOffsetsResult starts = admin.listOffsets(earliest, new ListOffsetsOptions().timeoutMs(timeoutMs));

        List<Read> reads = new ArrayList<>();
        Map<LagTarget, RuntimeException> failures = new LinkedHashMap<>();
        for (LagTarget target : targets) {
            try {
                RuntimeException topicFailure = topicFailures.get(target.topic());
                if (topicFailure != null) {
                    throw topicFailure;
                }
                reads.add(read(target, partitions.get(target.topic()), groupDescriptions.get(target.group()),
                        committed, ends, starts, deadline));
            } catch (LagSampleException e) {
                failures.put(target, e);
            } catch (RuntimeException e) {
                failures.put(target, new LagSampleException("cannot read the offsets of group " + target.group() + " on "
                        + target.topic() + ": " + e.getMessage(), e));
            }
        }
        long now = clock.getAsLong();
        Map<TopicPartition, Long> wanted = new HashMap<>();
        for (Read read : reads) {
            for (int i = 0; i < read.partitions().size(); i++) {
                LagSample.PartitionSample p = read.partitions().get(i);
                if (p.records() > 0) {
                    wanted.put(new TopicPartition(read.target().topic(), p.partition()), p.committed());
                }
            }
        }
        Map<TopicPartition, Long> oldest = timestamps(wanted, deadline);
        List<LagSample> samples = new ArrayList<>();
        for (Read read : reads) {
            List<LagSample.PartitionSample> withAges = read.partitions().stream()
                    .map(p -> new LagSample.PartitionSample(p.partition(), p.logStart(), p.end(), p.groupOffset(),
                            p.records() > 0 ? oldest.getOrDefault(new TopicPartition(read.target().topic(), p.partition()), -1L) : -1L))
                    .toList();
            samples.add(new LagSample(read.target(), now, read.members(), read.groupState(), withAges));
        }
        return new Round(samples, failures);
    }

    /** A target's offsets before the timestamps are read. */
    private record Read(LagTarget target, int members, String groupState, List<LagSample.PartitionSample> partitions) {
    }

    private Read read(LagTarget target, List<TopicPartition> partitions, KafkaFuture<ConsumerGroupDescription> group,
                      ListConsumerGroupOffsetsResult committed, ListOffsetsResult ends, ListOffsetsResult starts, long deadline) {
        int members;
        String state;
        try {
            ConsumerGroupDescription description = await(group, deadline);
            members = description.members().size();
            state = String.valueOf(description.groupState());
        } catch (GroupIdNotFoundException e) {
            members = 0;
            state = "Dead";
        }
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try {
            offsets = await(committed.partitionsToOffsetAndMetadata(target.group()), deadline);
        } catch (GroupIdNotFoundException e) {
            offsets = Map.of();
        }
        List<LagSample.PartitionSample> list = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            long end = await(ends.partitionResult(tp), deadline).offset();
            long start = await(starts.partitionResult(tp), deadline).offset();
            OffsetAndMetadata offset = offsets.get(tp);
            list.add(new LagSample.PartitionSample(tp.partition(), start, end, offset == null ? -1 : offset.offset(), -1));
        }
        return new Read(target, members, state, list);
    }

    /**
     * The timestamp of the record at each wanted offset (or the first after it, where that offset is a
     * transaction marker), from the cache or the broker. Partitions the broker did not answer for before
     * the deadline are left out.
     */
    private Map<TopicPartition, Long> timestamps(Map<TopicPartition, Long> wanted, long deadline) {
        Map<TopicPartition, Long> found = new HashMap<>();
        Map<TopicPartition, Long> missing = new HashMap<>();
        wanted.forEach((tp, offset) -> {
            long[] known = timestamps.get(tp);
            if (known != null && known[0] == offset) {
                found.put(tp, known[1]);
            } else {
                missing.put(tp, offset);
            }
        });
        if (missing.isEmpty()) {
            return found;
        }
        Consumer<byte[], byte[]> consumer = reader();
        consumer.assign(missing.keySet());
        missing.forEach(consumer::seek);
        try {
            while (!missing.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(Math.min(left, 200)));
                for (TopicPartition tp : records.partitions()) {
                    Long offset = missing.get(tp);
                    if (offset == null) {
                        continue;
                    }
                    List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
                    if (!batch.isEmpty()) {
                        long timestamp = batch.get(0).timestamp();
                        timestamps.put(tp, new long[] {offset, timestamp});
                        found.put(tp, timestamp);
                        missing.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
            }
        } finally {
            consumer.assign(List.of());
        }
        return found;
    }

    private Consumer<byte[], byte[]> reader() {
        if (reader == null) {
            reader = readers.get();
        }
        return reader;
    }

    private static <T> T await(KafkaFuture<T> future, long deadline) {
        if (future == null) {
            throw new IllegalStateException("the broker gave no answer for it");
        }
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the broker in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    /** A target that could not be sampled; the message says which and why. */
    public static final class LagSampleException extends RuntimeException {
        LagSampleException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Closes the timestamp reader; the admin client is the caller's. */
    @Override
    public void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
