package io.xiaozhi.pipeline.monitor.lag;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A member of a consumer group, on a thread of its own, that consumes one record at a time at most
 * {@code perSecond} records a second and commits each, up to {@code limit} records; after that it
 * stays in the group, consumes nothing, and re-commits the same offsets every 300 ms (a stuck worker).
 * {@link #close()} leaves the group.
 */
final class GroupMember implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final double perSecond;
    private final long limit;
    private final AtomicLong consumed = new AtomicLong();
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final CountDownLatch stalled = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    GroupMember(String bootstrapServers, String group, String topic, double perSecond, long limit) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(config);
        this.topic = topic;
        this.perSecond = perSecond;
        this.limit = limit;
        this.thread = new Thread(this::run, "member-" + group);
        thread.setDaemon(true);
        thread.start();
    }

    /** Consumes as fast as records come, forever. */
    static GroupMember keepingUp(String bootstrapServers, String group, String topic) {
        return new GroupMember(bootstrapServers, group, topic, Double.POSITIVE_INFINITY, Long.MAX_VALUE);
    }

    long consumed() {
        return consumed.get();
    }

    boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean awaitStalled(Duration timeout) throws InterruptedException {
        return stalled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic));
            long started = 0;
            long lastCommit = 0;
            while (running) {
                if (consumed.get() >= limit) {
                    if (stalled.getCount() > 0) {
                        consumer.pause(consumer.assignment());
                        stalled.countDown();
                    }
                    consumer.poll(Duration.ofMillis(100));
                    if (System.currentTimeMillis() - lastCommit >= 300) {
                        Map<TopicPartition, OffsetAndMetadata> same = new HashMap<>();
                        for (TopicPartition tp : consumer.assignment()) {
                            same.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                        }
                        consumer.commitSync(same);
                        lastCommit = System.currentTimeMillis();
                    }
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (started == 0) {
                        started = System.nanoTime();
                    }
                    if (Double.isFinite(perSecond)) {
                        long due = started + (long) (consumed.get() / perSecond * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1)));
                    consumed.incrementAndGet();
                }
                if (!consumer.assignment().isEmpty()) {
                    assigned.countDown();
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** Leaves the group and waits until the member has. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
