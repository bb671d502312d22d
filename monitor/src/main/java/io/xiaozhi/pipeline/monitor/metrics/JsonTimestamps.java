package io.xiaozhi.pipeline.monitor.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of a JSON record: its top-level {@code timestamp} field (epoch ms), read with a streaming
 * parser that stops at that field, so windows follow when a snapshot was taken or a lag sample made,
 * not when it reached the broker. A value without a usable timestamp (it will be dropped as malformed
 * downstream) keeps the record's own timestamp, or the partition's time if that is not valid either.
 */
public final class JsonTimestamps implements TimestampExtractor {

    private static final JsonFactory FACTORY = new JsonFactory();

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof byte[] bytes) {
            long timestamp = timestampField(bytes);
            if (timestamp > 0) {
                return timestamp;
            }
        }
        return record.timestamp() >= 0 ? record.timestamp() : Math.max(0, partitionTime);
    }

    /** The top-level {@code timestamp} of a JSON object, or -1. */
    static long timestampField(byte[] json) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("timestamp".equals(name)) {
                    return value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
                }
                parser.skipChildren();
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
