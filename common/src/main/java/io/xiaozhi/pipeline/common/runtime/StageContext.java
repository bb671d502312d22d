package io.xiaozhi.pipeline.common.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** What a handler may do besides computing: send outputs, notice cancellation, and know its time budget. */
public interface StageContext {

    /** Sends a record; the request is not done until this is acknowledged. */
    CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record);

    /**
     * Sends an event of {@code type} to the request's reply-to topic, keyed by session, with the
     * request's envelope headers.
     */
    CompletableFuture<RecordMetadata> reply(String type, byte[] payload);

    /** Whether the turn was cancelled (the device aborted) or this attempt timed out. */
    boolean cancelled();

    /** Completes when the turn is cancelled or this attempt times out; use it to abort a provider call. */
    CompletionStage<Void> cancellation();

    /** Time left before this attempt's timeout or the turn's deadline, whichever comes first. */
    Duration timeLeft();
}
