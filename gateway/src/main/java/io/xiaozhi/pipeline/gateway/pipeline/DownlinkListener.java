package io.xiaozhi.pipeline.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.WholeTopicReader;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this gateway's downlink topic and hands each answer to the sessions. The topic is this
 * gateway's alone, so it is read whole without a consumer group, from its end at start-up: answers
 * addressed to an earlier run of the gateway belong to connections that no longer exist. The handler
 * runs on the reader's thread and must not block.
 */
public final class DownlinkListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DownlinkListener.class);

    private final String topic;
    private final Consumer<DownlinkRecord> handler;
    private final Counter malformed;
    private final WholeTopicReader reader;

    public DownlinkListener(KafkaClients clients, String topic, Consumer<DownlinkRecord> handler, MeterRegistry meters) {
        this.topic = topic;
        this.handler = handler;
        this.malformed = Counter.builder("xiaozhi.gateway.downlink.malformed")
                .description("downlink records without a valid envelope (dropped)").register(meters);
        this.reader = new WholeTopicReader(clients, topic, Duration.ZERO, this::dispatch);
    }

    public DownlinkListener start() {
        reader.start("downlink-" + topic);
        return this;
    }

    /** Waits until the listener reads its topic from its current end. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return reader.awaitReady(timeout);
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
        handler.accept(answer);
    }

    @Override
    public void close() {
        reader.close();
    }
}
