package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One request as a handler sees it: the record, its parsed envelope, and which attempt this is (from 1). */
public record StageRequest(ConsumerRecord<String, byte[]> record, Envelope envelope, int attempt) {
}
