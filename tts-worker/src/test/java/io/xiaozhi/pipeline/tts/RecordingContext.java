package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** A stage context that keeps what the handler sends, for tests without a broker. */
final class RecordingContext implements StageContext {

    private final Envelope envelope;
    private final Duration timeLeft;
    private final CompletableFuture<Void> cancellation = new CompletableFuture<>();
    private final List<ProducerRecord<String, byte[]>> sent = new ArrayList<>();
    private volatile Consumer<ProducerRecord<String, byte[]>> onSend = record -> { };

    RecordingContext(Envelope envelope, Duration timeLeft) {
        this.envelope = envelope;
        this.timeLeft = timeLeft;
    }

    RecordingContext(Envelope envelope) {
        this(envelope, Duration.ofSeconds(15));
    }

    /** Called with each record as it is sent, on the sending thread. */
    RecordingContext onSend(Consumer<ProducerRecord<String, byte[]>> listener) {
        this.onSend = listener;
        return this;
    }

    synchronized List<ProducerRecord<String, byte[]>> sent() {
        return List.copyOf(sent);
    }

    /** What went to the reply-to topic, as the gateway would read it. */
    List<Downlink> downlink() {
        return sent().stream().filter(r -> r.topic().equals(envelope.replyTo())).map(Downlink::of).toList();
    }

    /** What went anywhere else (the dead-letter topic). */
    List<ProducerRecord<String, byte[]>> elsewhere() {
        return sent().stream().filter(r -> !r.topic().equals(envelope.replyTo())).toList();
    }

    void cancel() {
        cancellation.complete(null);
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        synchronized (this) {
            sent.add(record);
        }
        onSend.accept(record);
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
        return timeLeft;
    }
}
