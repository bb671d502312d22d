package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link StageContext} without Kafka: it keeps what a handler sends (replies built as the runtime
 * builds them: to the reply-to topic, keyed by session, with the envelope and {@code xz.type}), and
 * lets a test cancel the attempt and set its time budget.
 */
final class RecordingContext implements StageContext {

    final List<ProducerRecord<String, byte[]>> sent = new CopyOnWriteArrayList<>();
    private final Envelope envelope;
    private final CompletableFuture<Void> cancellation = new CompletableFuture<>();
    private final long endsAt;

    RecordingContext(Envelope envelope, Duration budget) {
        this.envelope = envelope;
        this.endsAt = System.currentTimeMillis() + budget.toMillis();
    }

    RecordingContext(Envelope envelope) {
        this(envelope, Duration.ofSeconds(30));
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        sent.add(record);
        return CompletableFuture.completedFuture(new RecordMetadata(new TopicPartition(record.topic(), 0), 0, 0, 0, 0, 0));
    }

    @Override
    public CompletableFuture<RecordMetadata> reply(String type, byte[] payload) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(), payload);
        envelope.writeTo(record.headers());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, type);
        return send(record);
    }

    void cancel() {
        cancellation.complete(null);
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
        return Duration.ofMillis(Math.max(0, endsAt - System.currentTimeMillis()));
    }

    List<ProducerRecord<String, byte[]>> to(String topic) {
        return sent.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    static String typeOf(ProducerRecord<String, byte[]> record) {
        return HeaderValues.text(record.headers(), EnvelopeHeaders.TYPE).orElse("");
    }
}
