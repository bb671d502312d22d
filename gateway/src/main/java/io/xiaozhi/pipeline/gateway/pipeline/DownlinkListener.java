package io.xiaozhi.pipeline.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this gateway's downlink topic and hands each answer to the sessions. The topic is this
 * gateway's alone, so it is read whole without a consumer group, from its end at start-up: answers
 * addressed to an earlier run of the gateway belong to connections that no longer exist. The handler
 * runs on this thread and must not block.
 */
public final class DownlinkListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DownlinkListener.class);

    private final KafkaClients clients;
    private final String topic;
    private final Consumer<DownlinkRecord> handler;
    private final Counter malformed;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public DownlinkListener(KafkaClients clients, String topic, Consumer<DownlinkRecord> handler, MeterRegistry meters) {
        this.clients = clients;
        this.topic = topic;
        this.handler = handler;
        this.malformed = Counter.builder("xiaozhi.gateway.downlink.malformed")
                .description("downlink records without a valid envelope (dropped)").register(meters);
    }

    public DownlinkListener start() {
        thread = new Thread(this::run, "downlink-" + topic);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Waits until the listener reads its topic from its current end. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(clients.groupLessConsumerConfig("downlink"))) {
            consumer = c;
            List<TopicPartition> partitions = partitions(c);
            if (partitions.isEmpty()) {
                return;
            }
            c.assign(partitions);
            c.seekToEnd(partitions);
            partitions.forEach(c::position);
            ready.countDown();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    dispatch(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("downlink listener on {} woken unexpectedly", topic, e);
            }
        } catch (RuntimeException e) {
            LOG.error("downlink listener on {} stopped; devices will hear nothing more", topic, e);
        }
    }

    /** The topic's partitions, waiting while a topic created a moment ago is not yet known to the broker asked. */
    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        while (running) {
            List<org.apache.kafka.common.PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
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

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        DownlinkRecord answer;
        try {
            answer = DownlinkRecord.of(record);
        } catch (EnvelopeException e) {
            malformed.increment();
            LOG.warn("dropping a downlink record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        try {
            handler.accept(answer);
        } catch (RuntimeException e) {
            LOG.error("handling a {} record for session {} failed", answer.type(), answer.sessionId(), e);
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
