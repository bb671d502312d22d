package io.xiaozhi.pipeline.common.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that reads every partition of one topic without a consumer group (each process sees every
 * record), starting from a point in time or from the end, and hands each record to a handler on that
 * thread. It waits for a topic that does not exist yet or was created a moment ago. Used for the
 * control topic (every worker sees every cancellation) and a gateway's own downlink topic.
 */
public final class WholeTopicReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WholeTopicReader.class);

    private final KafkaClients clients;
    private final String topic;
    private final Duration lookBack;
    private final Consumer<ConsumerRecord<String, byte[]>> handler;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    /**
     * @param lookBack how far back to start reading; {@link Duration#ZERO} starts at the end
     * @param handler  called on the reader's thread for each record; it must not block for long
     */
    public WholeTopicReader(KafkaClients clients, String topic, Duration lookBack, Consumer<ConsumerRecord<String, byte[]>> handler) {
        this.clients = clients;
        this.topic = topic;
        this.lookBack = lookBack;
        this.handler = handler;
    }

    public WholeTopicReader start(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Waits until the reader is positioned on every partition. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(clients.groupLessConsumerConfig(topic))) {
            consumer = c;
            List<TopicPartition> partitions = partitions(c);
            if (partitions.isEmpty()) {
                return;
            }
            c.assign(partitions);
            position(c, partitions);
            ready.countDown();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    try {
                        handler.accept(record);
                    } catch (RuntimeException e) {
                        LOG.error("handling a record of {} at {}-{}@{} failed", topic, record.topic(), record.partition(), record.offset(), e);
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("the reader of {} was woken unexpectedly and stopped", topic, e);
            }
        } catch (RuntimeException e) {
            LOG.error("the reader of {} stopped", topic, e);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        boolean warned = false;
        while (running) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            if (!warned) {
                LOG.warn("topic {} does not exist yet; reading it once it does", topic);
                warned = true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return List.of();
    }

    private void position(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndTimestamp> offsets = Map.of();
        if (!lookBack.isZero()) {
            long since = System.currentTimeMillis() - lookBack.toMillis();
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, since));
            offsets = c.offsetsForTimes(query, Duration.ofSeconds(30));
        }
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = offsets.get(tp);
            if (at != null) {
                c.seek(tp, at.offset());
            } else {
                c.seekToEnd(List.of(tp));
            }
            c.position(tp);
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
