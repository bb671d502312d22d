package io.xiaozhi.pipeline.llm.testing;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** A {@link StageContext} that keeps what is sent (acknowledged at once) and has a fixed time budget. */
public final class RecordingContext implements StageContext {

    private final Envelope envelope;
    private final long deadlineNanos;
    private final CompletableFuture<Void> cancellation = new CompletableFuture<>();
    private final List<ProducerRecord<String, byte[]>> sent = Collections.synchronizedList(new ArrayList<>());

    public RecordingContext(Envelope envelope, Duration budget) {
        this.envelope = envelope;
        this.deadlineNanos = System.nanoTime() + budget.toNanos();
    }

    public RecordingContext(Envelope envelope) {
        this(envelope, Duration.ofSeconds(30));
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        sent.add(record);
        return CompletableFuture.completedFuture(null);
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
        return cancellation;
    }

    @Override
    public Duration timeLeft() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    public void cancel() {
        cancellation.complete(null);
    }

    public List<ProducerRecord<String, byte[]>> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** The sentences sent to {@code topic}, in order. */
    public List<Sentence> sentences(String topic) {
        return sent().stream().filter(r -> r.topic().equals(topic)).map(Sentence::of).toList();
    }

    /** The payloads of the gateway-bound records of {@code type}, as text. */
    public List<String> replies(String type) {
        return sent().stream()
                .filter(r -> r.topic().equals(envelope.replyTo()))
                .filter(r -> HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE).orElse("").equals(type))
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** The gateway-bound records of {@code type}. */
    public List<ProducerRecord<String, byte[]>> replyRecords(String type) {
        return sent().stream()
                .filter(r -> r.topic().equals(envelope.replyTo()))
                .filter(r -> HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE).orElse("").equals(type))
                .toList();
    }
}
