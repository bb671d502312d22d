package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.kafka.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Records on {@code xiaozhi.control}. */
public final class ControlMessages {

    private ControlMessages() {
    }

    /** "The device aborted this turn": workers skip its requests and stop its calls in flight. */
    public static ProducerRecord<String, byte[]> cancelTurn(String sessionId, String turnId) {
        return cancelTurn(Topics.CONTROL, sessionId, turnId);
    }

    public static ProducerRecord<String, byte[]> cancelTurn(String topic, String sessionId, String turnId) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, sessionId, new byte[0]);
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, MessageTypes.CANCEL);
        HeaderValues.putText(record.headers(), EnvelopeHeaders.SESSION, sessionId);
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TURN, turnId);
        return record;
    }
}
