package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one request once it holds a permit: envelope check, cancellation and deadline checks,
 * handler attempts bounded by the stage timeout, retries with backoff, and finally a dead letter and
 * an error event when the stage gives up. Calls {@code done} exactly once, after every record it
 * owed has been acknowledged (a dead letter is re-sent until it is), so the offset is committed only
 * when nothing of the request can be lost.
 */
final class RequestProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(RequestProcessor.class);
    private static final Duration DEAD_LETTER_RESEND = Duration.ofSeconds(1);

    private final StageRuntime.Options options;
    private final StageHandler handler;
    private final Producer<String, byte[]> producer;
    private final Executor handlerPool;
    private final Executor continuations;
    private final ScheduledExecutorService scheduler;
    private final CancellationRegistry cancellations;
    private final StageMetrics metrics;
    private final Backoff backoff;
    private final LongSupplier clock;

    RequestProcessor(StageRuntime.Options options, StageHandler handler, Producer<String, byte[]> producer, Executor handlerPool,
                     Executor continuations, ScheduledExecutorService scheduler, CancellationRegistry cancellations, StageMetrics metrics, Backoff backoff) {
        this.options = options;
        this.handler = handler;
        this.producer = producer;
        this.handlerPool = handlerPool;
        this.continuations = continuations;
        this.scheduler = scheduler;
        this.cancellations = cancellations;
        this.metrics = metrics;
        this.backoff = backoff;
        this.clock = options.clock();
    }

    /**
     * Starts processing {@code record}; returns at once. Called on the consumer loop's thread, so it
     * only checks the envelope there and hands everything that may block (sends) to other threads.
     */
    void process(ConsumerRecord<String, byte[]> record, Runnable done) {
        Runnable once = once(done);
        long start = clock.getAsLong();
        metrics.queueWait.record(Math.max(0, start - record.timestamp()), TimeUnit.MILLISECONDS);
        Envelope envelope;
        try {
            envelope = Envelope.readFrom(record.headers());
        } catch (EnvelopeException e) {
            metrics.malformed.increment();
            LOG.warn("{} record {}-{}@{} has no valid envelope: {}", options.stage().id(), record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            continuations.execute(() -> deadLetter(record, "malformed envelope: " + e.getMessage(), 0, once));
            return;
        }
        if (cancellations.isCancelled(envelope.turnId())) {
            metrics.cancelled.increment();
            once.run();
            return;
        }
        if (envelope.expiredAt(start)) {
            continuations.execute(() -> expired(envelope, once));
            return;
        }
        attempt(record, envelope, 1, start, once);
    }

    private void attempt(ConsumerRecord<String, byte[]> record, Envelope envelope, int attempt, long start, Runnable done) {
        AttemptContext context = new AttemptContext(producer, continuations, envelope, clock, options.limits().timeoutDuration());
        cancellations.track(envelope.turnId(), context);
        long began = System.nanoTime();
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        Duration budget = context.timeLeft();
        handlerPool.execute(() -> {
            if (outcome.isDone()) {
                return;
            }
            try {
                CompletionStage<Void> stage = handler.handle(new StageRequest(record, envelope, attempt), context);
                if (stage == null) {
                    throw new IllegalStateException("the handler returned null instead of a completion stage");
                }
                stage.toCompletableFuture()
                        .thenCompose(ignored -> context.allSent())
                        .whenComplete((ignored, error) -> {
                            if (error == null) {
                                outcome.complete(null);
                            } else {
                                outcome.completeExceptionally(error);
                            }
                        });
            } catch (Throwable e) {
                outcome.completeExceptionally(e);
            }
        });
        context.cancellation().thenRun(() -> outcome.completeExceptionally(new CancellationException("turn cancelled")));
        outcome.orTimeout(budget.toMillis(), TimeUnit.MILLISECONDS);
        // Success is bookkeeping only and may finish on whichever thread completes the attempt; a
        // failure may send (a dead letter, an event) and block, so it never runs on the consumer
        // loop's thread nor the producer's I/O thread.
        outcome.whenComplete((ignored, error) -> {
            cancellations.untrack(envelope.turnId(), context);
            metrics.provider.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
            if (cancellations.isCancelled(envelope.turnId())) {
                context.cancel();
                metrics.cancelled.increment();
                done.run();
            } else if (error == null) {
                metrics.completed.increment();
                metrics.processing.record(Math.max(0, clock.getAsLong() - start), TimeUnit.MILLISECONDS);
                done.run();
            } else {
                Throwable cause = FailureClassifier.unwrap(error);
                continuations.execute(() -> failed(record, envelope, attempt, start, cause, context, done));
            }
        });
    }

    private void failed(ConsumerRecord<String, byte[]> record, Envelope envelope, int attempt, long start, Throwable cause,
                        AttemptContext context, Runnable done) {
        if (cause instanceof TimeoutException) {
            metrics.attemptTimeouts.increment();
        }
        context.cancel();
        if (cancellations.isCancelled(envelope.turnId())) {
            metrics.cancelled.increment();
            done.run();
            return;
        }
        metrics.errors.increment();
        long now = clock.getAsLong();
        if (envelope.expiredAt(now)) {
            expired(envelope, done);
            return;
        }
        if (options.classifier().retryable(cause) && backoff.mayRetry(attempt)) {
            Duration wait = backoff.after(attempt);
            if (now + wait.toMillis() >= envelope.deadlineEpochMs()) {
                expired(envelope, done);
                return;
            }
            metrics.retries.increment();
            LOG.debug("{} turn {} attempt {} failed ({}); retrying in {} ms", options.stage().id(), envelope.turnId(), attempt,
                    cause.toString(), wait.toMillis());
            later(wait, () -> attempt(record, envelope, attempt + 1, start, done));
            return;
        }
        String reason = describe(cause);
        LOG.warn("{} turn {} gave up after {} attempt(s): {}", options.stage().id(), envelope.turnId(), attempt, reason);
        deadLetter(record, reason, attempt, () -> notify(envelope, MessageTypes.TURN_FAILED, reason, done));
    }

    private void expired(Envelope envelope, Runnable done) {
        metrics.deadlineExpired.increment();
        notify(envelope, MessageTypes.TURN_TIMED_OUT, "the turn's deadline passed", done);
    }

    /** Tells the owning gateway; a notification that cannot be sent is logged, not retried. */
    private void notify(Envelope envelope, String type, String reason, Runnable done) {
        ProducerRecord<String, byte[]> event = new ProducerRecord<>(envelope.replyTo(), envelope.sessionId(),
                (options.stage().id() + ": " + reason).getBytes(StandardCharsets.UTF_8));
        envelope.writeTo(event.headers());
        HeaderValues.putText(event.headers(), EnvelopeHeaders.TYPE, type);
        try {
            producer.send(event, (metadata, error) -> {
                if (error != null) {
                    LOG.warn("could not tell {} that turn {} ended ({}): {}", envelope.replyTo(), envelope.turnId(), type, error.toString());
                }
                continuations.execute(done);
            });
        } catch (RuntimeException e) {
            LOG.warn("could not tell {} that turn {} ended ({}): {}", envelope.replyTo(), envelope.turnId(), type, e.toString());
            done.run();
        }
    }

    /** Sends the request to the dead-letter topic, again and again until the broker has it. */
    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason, int attempts, Runnable then) {
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(options.deadLetterTopic(), null, record.key(), record.value());
        for (Header header : record.headers()) {
            letter.headers().add(header);
        }
        HeaderValues.putText(letter.headers(), EnvelopeHeaders.ERROR, reason);
        HeaderValues.putLong(letter.headers(), EnvelopeHeaders.ATTEMPTS, attempts);
        HeaderValues.putText(letter.headers(), EnvelopeHeaders.ORIGIN,
                record.topic() + "-" + record.partition() + "@" + record.offset());
        sendUntilAcknowledged(letter, then);
    }

    private void sendUntilAcknowledged(ProducerRecord<String, byte[]> letter, Runnable then) {
        try {
            producer.send(letter, (metadata, error) -> {
                if (error == null) {
                    metrics.deadLetters.increment();
                    continuations.execute(then);
                } else if (error instanceof org.apache.kafka.common.errors.RecordTooLargeException && letter.value() != null
                        && letter.value().length > 0) {
                    // the payload can never be sent: keep the headers and say what was dropped, rather than loop
                    LOG.error("dead letter to {} is too large ({} bytes); sending it without its payload: {}", letter.topic(),
                            letter.value().length, error.toString());
                    ProducerRecord<String, byte[]> headersOnly = new ProducerRecord<>(letter.topic(), null, letter.key(), new byte[0],
                            new org.apache.kafka.common.header.internals.RecordHeaders(letter.headers().toArray()));
                    headersOnly.headers().remove(EnvelopeHeaders.ERROR);
                    String reason = HeaderValues.text(letter.headers(), EnvelopeHeaders.ERROR).orElse("");
                    HeaderValues.putText(headersOnly.headers(), EnvelopeHeaders.ERROR,
                            reason + " (payload of " + letter.value().length + " bytes dropped: too large for a dead letter)");
                    continuations.execute(() -> sendUntilAcknowledged(headersOnly, then));
                } else {
                    LOG.error("dead letter to {} failed, sending again in {} s: {}", letter.topic(), DEAD_LETTER_RESEND.toSeconds(), error.toString());
                    later(DEAD_LETTER_RESEND, () -> sendUntilAcknowledged(letter, then));
                }
            });
        } catch (RuntimeException e) {
            if (scheduler.isShutdown()) {
                LOG.error("dead letter to {} not sent before shutdown; the request will be delivered again: {}", letter.topic(), e.toString());
                return;
            }
            LOG.error("dead letter to {} failed, sending again in {} s: {}", letter.topic(), DEAD_LETTER_RESEND.toSeconds(), e.toString());
            later(DEAD_LETTER_RESEND, () -> sendUntilAcknowledged(letter, then));
        }
    }

    /** Runs {@code task} on a continuation thread after {@code delay}; the scheduler's one thread never blocks. */
    private void later(Duration delay, Runnable task) {
        scheduler.schedule(() -> continuations.execute(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The failure as {@code xz.error} carries it: within what {@link HeaderValues#text} reads back (1024 bytes). */
    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        String text = cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "…" : text;
    }

    /**
     * The longest failure text in {@code xz.error}: even in 4-byte UTF-8 characters, with the note a
     * dead letter without its payload adds, it stays under the 1024 bytes a reader accepts.
     */
    static final int MAX_ERROR_CHARS = 220;

    private static Runnable once(Runnable done) {
        AtomicBoolean ran = new AtomicBoolean();
        return () -> {
            if (ran.compareAndSet(false, true)) {
                done.run();
            }
        };
    }
}
