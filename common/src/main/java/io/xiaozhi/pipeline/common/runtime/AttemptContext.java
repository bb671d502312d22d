package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** The context of one handler attempt: its sends, its cancellation, its time budget. */
final class AttemptContext implements StageContext {

    private final Producer<String, byte[]> producer;
    private final Executor continuations;
    private final Envelope envelope;
    private final LongSupplier clock;
    private final long attemptEndsAt;
    private final CompletableFuture<Void> cancellation = new CompletableFuture<>();
    private final List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();

    AttemptContext(Producer<String, byte[]> producer, Executor continuations, Envelope envelope, LongSupplier clock, Duration timeout) {
        this.producer = producer;
        this.continuations = continuations;
        this.envelope = envelope;
        this.clock = clock;
        this.attemptEndsAt = Math.min(clock.getAsLong() + timeout.toMillis(), envelope.deadlineEpochMs());
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        synchronized (sends) {
            sends.add(sent);
        }
        try {
            // completed off the producer's I/O thread: what the handler chains on a send may send again
            producer.send(record, (metadata, error) -> continuations.execute(() -> {
                if (error != null) {
                    sent.completeExceptionally(error);
                } else {
                    sent.complete(metadata);
                }
            }));
        } catch (RuntimeException e) {
            sent.completeExceptionally(e);
        }
        return sent;
    }

    @Override
    public CompletableFuture<RecordMetadata> reply(String type, byte[] payload) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(), payload);
        envelope.writeTo(record.headers());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, type);
        return send(record);
    }

    @Override
    public boolean cancelled() {
        return cancellation.isDone();
    }

    @Override
    public CompletionStage<Void> cancellation() {
        return cancellation.minimalCompletionStage();
    }

    @Override
    public Duration timeLeft() {
        return Duration.ofMillis(Math.max(0, attemptEndsAt - clock.getAsLong()));
    }

    void cancel() {
        cancellation.complete(null);
    }

    /** Completes when every send of this attempt has been acknowledged; fails if one failed. */
    CompletableFuture<Void> allSent() {
        synchronized (sends) {
            return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
        }
    }
}
