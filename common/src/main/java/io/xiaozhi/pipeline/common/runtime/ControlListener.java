package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of the control topic (no consumer group: each worker process sees every
 * cancellation), starting a little in the past so that cancellations published just before this
 * worker started still count.
 */
final class ControlListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);

    private final KafkaClients clients;
    private final String topic;
    private final CancellationRegistry cancellations;
    private final Duration lookBack;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    ControlListener(KafkaClients clients, String topic, CancellationRegistry cancellations, Duration lookBack) {
        this.clients = clients;
        this.topic = topic;
        this.cancellations = cancellations;
        this.lookBack = lookBack;
    }

    void start() {
        thread = new Thread(this::run, "control-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until the listener reads its topic (for tests and orderly start-up). */
    boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(clients.groupLessConsumerConfig("control"))) {
            consumer = c;
            if (!running) {
                return;
            }
            assign(c);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("control listener on {} woken unexpectedly; cancellations are no longer seen", topic, e);
            }
        } catch (RuntimeException e) {
            LOG.error("control listener on {} stopped; cancellations are no longer seen", topic, e);
        }
    }

    private void assign(KafkaConsumer<String, byte[]> c) {
        List<PartitionInfo> partitions = c.partitionsFor(topic, Duration.ofSeconds(30));
        while (running && (partitions == null || partitions.isEmpty())) {
            LOG.warn("control topic {} does not exist yet; cancellations will be seen once it does", topic);
            sleep();
            partitions = c.partitionsFor(topic, Duration.ofSeconds(30));
        }
        List<TopicPartition> all = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        c.assign(all);
        long since = System.currentTimeMillis() - lookBack.toMillis();
        Map<TopicPartition, Long> query = new HashMap<>();
        all.forEach(tp -> query.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(query, Duration.ofSeconds(30));
        for (TopicPartition tp : all) {
            OffsetAndTimestamp at = offsets.get(tp);
            if (at != null) {
                c.seek(tp, at.offset());
            } else {
                c.seekToEnd(List.of(tp));
                c.position(tp);
            }
        }
        assigned.countDown();
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        try {
            if (MessageTypes.CANCEL.equals(HeaderValues.text(record.headers(), EnvelopeHeaders.TYPE).orElse(""))) {
                cancellations.cancel(HeaderValues.requiredText(record.headers(), EnvelopeHeaders.TURN));
            }
        } catch (EnvelopeException e) {
            LOG.warn("ignoring a malformed control record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    private void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
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
