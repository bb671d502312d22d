package io.xiaozhi.pipeline.gateway.vision;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.gateway.pipeline.DownlinkRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The photos waiting for the vision model. Each upload is published to the vision request topic,
 * keyed by device id, under a new correlation id (the envelope's session and turn), with a deadline
 * of now + the stage timeout and this gateway's downlink topic to reply to; the answer is the first
 * downlink record whose turn is that id: {@link MessageTypes#VISION_ANSWER}, or
 * {@link MessageTypes#TURN_TIMED_OUT} / {@link MessageTypes#TURN_FAILED}. Without one within the
 * timeout the device is told so. At most {@code maxPending} photos wait at once; more are refused as busy.
 */
public final class VisionRequests {

    /** How many photos one gateway lets wait for an answer at once. */
    public static final int DEFAULT_MAX_PENDING = 100;

    private final Producer<String, byte[]> producer;
    private final String requestTopic;
    private final String replyTo;
    private final Duration timeout;
    private final LongSupplier clock;
    private final Semaphore slots;
    private final Map<String, CompletableFuture<VisionOutcome>> pending = new ConcurrentHashMap<>();
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    public VisionRequests(Producer<String, byte[]> producer, String requestTopic, String replyTo, Duration timeout,
                          int maxPending, LongSupplier clock, MeterRegistry meters) {
        this.producer = producer;
        this.requestTopic = requestTopic;
        this.replyTo = replyTo;
        this.timeout = timeout;
        this.clock = clock;
        this.slots = new Semaphore(maxPending);
        this.meters = meters;
        Gauge.builder("xiaozhi.gateway.vision.pending", pending, Map::size)
                .description("photos waiting for the vision model's answer").register(meters);
    }

    /**
     * Publishes the upload and returns its answer to come, which always completes: with the model's
     * answer, or a failure saying why there is none. Throws {@link VisionRefused} with
     * {@link Refusal#BUSY} when too many photos are waiting already.
     */
    public CompletableFuture<VisionOutcome> submit(VisionUpload upload) throws VisionRefused {
        if (!slots.tryAcquire()) {
            throw new VisionRefused(Refusal.BUSY);
        }
        String id = UUID.randomUUID().toString();
        CompletableFuture<VisionOutcome> answer = new CompletableFuture<>();
        pending.put(id, answer);
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                finish(id, answer, "timeout", VisionOutcome.failed("the vision model did not answer within " + timeout.toSeconds() + " s")));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(requestTopic, upload.deviceId(),
                new VisionRequest(upload.question(), upload.type().mimeType(), upload.image()).encode());
        new Envelope(id, upload.deviceId(), id, clock.getAsLong() + timeout.toMillis(), replyTo).writeTo(record.headers());
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    finish(id, answer, "unsent", VisionOutcome.failed("the photo could not be passed on: " + error.getMessage()));
                }
            });
        } catch (RuntimeException e) {
            finish(id, answer, "unsent", VisionOutcome.failed("the photo could not be passed on: " + e.getMessage()));
        }
        return answer;
    }

    /**
     * Takes a downlink record if it answers a waiting photo; returns false for every other record,
     * which then belongs to a device session.
     */
    public boolean offer(DownlinkRecord record) {
        String id = record.turnId();
        CompletableFuture<VisionOutcome> answer = pending.get(id);
        if (answer == null) {
            return false;
        }
        String text = new String(record.payload(), StandardCharsets.UTF_8);
        switch (record.type()) {
            case MessageTypes.VISION_ANSWER -> finish(id, answer, "answered", VisionOutcome.answered(text));
            case MessageTypes.TURN_TIMED_OUT -> finish(id, answer, "timeout", VisionOutcome.failed("the vision model did not answer in time: " + text));
            case MessageTypes.TURN_FAILED -> finish(id, answer, "error", VisionOutcome.failed("the vision model failed: " + text));
            default -> {
                // another kind of record under a vision correlation id carries nothing for the device
            }
        }
        return true;
    }

    /** Photos waiting now. */
    public int pending() {
        return pending.size();
    }

    /**
     * Completes the answer unless it is complete already, forgets it and counts how it ended. The
     * bookkeeping comes first, so that whoever sees the answer also sees it counted and gone.
     */
    private void finish(String id, CompletableFuture<VisionOutcome> answer, String tag, VisionOutcome outcome) {
        synchronized (answer) {
            if (answer.isDone()) {
                return;
            }
            if (pending.remove(id, answer)) {
                slots.release();
            }
            outcomes.computeIfAbsent(tag, t -> Counter.builder("xiaozhi.gateway.vision.outcomes").tag("outcome", t)
                    .description("vision uploads that reached the pipeline, by how they ended").register(meters)).increment();
            answer.complete(outcome);
        }
    }
}
