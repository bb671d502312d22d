package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.WholeTopicReader;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the cancellations on the control topic into the {@link CancellationRegistry}. Every worker
 * process reads every partition, starting a little in the past so that cancellations published just
 * before this worker started still count.
 */
final class ControlListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);

    private final String topic;
    private final CancellationRegistry cancellations;
    private final WholeTopicReader reader;

    ControlListener(KafkaClients clients, String topic, CancellationRegistry cancellations, Duration lookBack) {
        this.topic = topic;
        this.cancellations = cancellations;
        this.reader = new WholeTopicReader(clients, topic, lookBack, this::apply);
    }

    void start() {
        reader.start("control-" + topic);
    }

    /** Waits until the listener reads its topic (for tests and orderly start-up). */
    boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return reader.awaitReady(timeout);
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

    @Override
    public void close() {
        reader.close();
    }
}
