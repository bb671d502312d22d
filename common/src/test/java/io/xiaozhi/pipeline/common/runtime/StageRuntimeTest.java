package io.xiaozhi.pipeline.common.runtime;

import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import static io.xiaozhi.pipeline.common.runtime.StageHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(KafkaBrokerExtension.class)
class StageRuntimeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Counts how often each turn was handled to completion. */
    static final class Tally {
        final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

        void add(StageRequest request) {
            handled.computeIfAbsent(request.envelope().turnId(), k -> new AtomicInteger()).incrementAndGet();
        }

        int distinct() {
            return handled.size();
        }

        int total() {
            return handled.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    @ParameterizedTest(name = "{0} consumer(s)")
    @ValueSource(ints = {1, 3})
    void inFlightNeverExceedsMaxConcurrent(int consumers, KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 3)) {
            AtomicInteger now = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            Tally tally = new Tally();
            StageHandler handler = (request, context) -> {
                int current = now.incrementAndGet();
                peak.accumulateAndGet(current, Math::max);
                Thread.sleep(30);
                now.decrementAndGet();
                tally.add(request);
                return CompletableFuture.completedFuture(null);
            };
            h.publish("t", 60);
            h.start(h.runtime(handler, new PerformanceConfig.StageLimits(4, 100, 10, consumers)));
            await("all 60 handled", WAIT, () -> tally.distinct() == 60);
            assertThat(peak.get()).isEqualTo(4);
            await("offsets committed to the end", WAIT, () -> committedTotal(h) == 60);
            assertThat(tally.total()).isEqualTo(60);
        }
    }

    @Test
    void outOfOrderCompletionCommitsOnlyTheContiguousPrefix(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            CompletableFuture<Void> first = new CompletableFuture<>();
            Tally tally = new Tally();
            StageHandler handler = (request, context) -> {
                tally.add(request);
                return request.record().offset() == 0 ? first : CompletableFuture.completedFuture(null);
            };
            h.publish("t", 10);
            h.start(h.runtime(handler, 10));
            await("all 10 started", WAIT, () -> tally.distinct() == 10);
            Thread.sleep(500);
            assertThat(h.committed(0)).as("nothing past the unfinished offset 0").isLessThanOrEqualTo(0);
            first.complete(null);
            await("committed to the end once offset 0 is done", WAIT, () -> committed(h, 0) == 10);
        }
    }

    @Test
    void aWorkerThatDiesMidFlightLosesNothing(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 2)) {
            Tally firstWorker = new Tally();
            CompletableFuture<Void> never = new CompletableFuture<>();
            StageHandler stuckOnOdd = (request, context) -> {
                firstWorker.add(request);
                return request.record().offset() % 2 == 1 ? never : CompletableFuture.completedFuture(null);
            };
            h.publish("t", 20);
            StageRuntime first = h.start(h.runtime(stuckOnOdd, 20));
            await("the first worker started every record", WAIT, () -> firstWorker.distinct() == 20);
            Thread.sleep(300);
            first.abort();

            Tally secondWorker = new Tally();
            h.start(h.runtime((request, context) -> {
                secondWorker.add(request);
                return CompletableFuture.completedFuture(null);
            }, 20));
            await("offsets committed to the end", WAIT, () -> committedTotal(h) == 20);
            Set<String> neverFinished = firstWorker.handled.keySet();
            // every record the first worker never finished (odd offsets) reached the second one
            assertThat(secondWorker.distinct()).isGreaterThanOrEqualTo(10);
            assertThat(neverFinished).hasSize(20);
            assertThat(secondWorker.handled.keySet()).allMatch(neverFinished::contains);
        }
    }

    @Test
    void expiredRequestsAreNotProcessedAndTheGatewayIsTold(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            Tally tally = new Tally();
            h.publish("late", 2, System.currentTimeMillis() - 1000);
            h.publish("fine", 1);
            h.start(h.runtime((request, context) -> {
                tally.add(request);
                return CompletableFuture.completedFuture(null);
            }, 4));
            await("committed", WAIT, () -> committed(h, 0) == 3);
            assertThat(tally.handled.keySet()).containsExactly("fine-0");
            List<ConsumerRecord<String, byte[]>> replies = h.read(h.replies, 2);
            assertThat(replies).extracting(StageHarness::turnOf).containsExactlyInAnyOrder("late-0", "late-1");
            assertThat(replies).allMatch(r -> MessageTypes.TURN_TIMED_OUT.equals(
                    HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE).orElse("")));
            assertThat(h.counter(0, StageMetrics.DEADLINE_EXPIRED)).isEqualTo(2);
        }
    }

    @Test
    void retryableFailuresAreRetriedThenSucceedOnce(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            AtomicInteger attempts = new AtomicInteger();
            Tally tally = new Tally();
            h.publish("t", 1);
            h.start(h.runtime((request, context) -> {
                if (attempts.incrementAndGet() < 3) {
                    throw StageException.httpStatus(503, "provider overloaded");
                }
                assertThat(request.attempt()).isEqualTo(3);
                tally.add(request);
                return context.reply("stt", "hello".getBytes(StandardCharsets.UTF_8)).thenApply(m -> null);
            }, 4));
            await("committed", WAIT, () -> committed(h, 0) == 1);
            assertThat(tally.total()).isEqualTo(1);
            assertThat(h.counter(0, StageMetrics.RETRIES)).isEqualTo(2);
            assertThat(h.counter(0, StageMetrics.DEAD_LETTERS)).isZero();
            List<ConsumerRecord<String, byte[]>> replies = h.read(h.replies, 1);
            assertThat(replies).hasSize(1);
            assertThat(new String(replies.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
    }

    @Test
    void nonRetryableFailuresGoToTheDeadLetterTopicAtOnce(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            AtomicInteger attempts = new AtomicInteger();
            h.publish("t", 1);
            h.start(h.runtime((request, context) -> {
                attempts.incrementAndGet();
                throw StageException.httpStatus(400, "bad audio");
            }, 4));
            List<ConsumerRecord<String, byte[]>> letters = h.read(h.deadLetters, 1);
            assertThat(letters).hasSize(1);
            ConsumerRecord<String, byte[]> letter = letters.get(0);
            assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).isEqualTo("StageException: HTTP 400: bad audio");
            assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);
            assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ORIGIN)).isEqualTo(h.requests + "-0@0");
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("t-0");
            assertThat(attempts.get()).isEqualTo(1);
            List<ConsumerRecord<String, byte[]>> replies = h.read(h.replies, 1);
            assertThat(replies).singleElement().satisfies(r -> assertThat(
                    HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE)).contains(MessageTypes.TURN_FAILED));
            await("committed", WAIT, () -> committed(h, 0) == 1);
        }
    }

    @Test
    void aDeadLetterTooLargeForItsTopicGoesWithoutItsPayloadRatherThanLooping(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            String smallLetters = kafka.createTopic(1, java.util.Map.of("max.message.bytes", "2000"));
            ProducerRecord<String, byte[]> big = new ProducerRecord<>(h.requests, "session-big", new byte[5000]);
            new io.xiaozhi.pipeline.common.envelope.Envelope("session-big", "aa:bb:cc:dd:ee:ff", "big", System.currentTimeMillis() + 120_000,
                    h.replies).writeTo(big.headers());
            h.publishRaw(big);
            h.start(h.runtime((request, context) -> {
                throw StageException.httpStatus(400, "not a photo");
            }, 2).topics(h.requests, smallLetters, h.control));
            List<ConsumerRecord<String, byte[]>> letters = h.read(smallLetters, 1);
            assertThat(letters).singleElement().satisfies(letter -> {
                assertThat(letter.value()).isEmpty();
                assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR))
                        .isEqualTo("StageException: HTTP 400: not a photo (payload of 5000 bytes dropped: too large for a dead letter)");
                assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.TURN)).isEqualTo("big");
            });
            assertThat(h.read(h.replies, 1)).as("the gateway is told").singleElement().satisfies(r -> assertThat(
                    HeaderValues.text(r.headers(), EnvelopeHeaders.TYPE)).contains(MessageTypes.TURN_FAILED));
            await("committed", WAIT, () -> committed(h, 0) == 1);
        }
    }

    @Test
    void exhaustedRetriesGoToTheDeadLetterTopic(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            AtomicInteger attempts = new AtomicInteger();
            h.publish("t", 1);
            h.start(h.runtime((request, context) -> {
                attempts.incrementAndGet();
                throw new java.net.ConnectException("connection refused");
            }, 4));
            List<ConsumerRecord<String, byte[]>> letters = h.read(h.deadLetters, 1);
            assertThat(letters).hasSize(1);
            assertThat(HeaderValues.requiredNumber(letters.get(0).headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(3);
            assertThat(attempts.get()).isEqualTo(3);
            assertThat(h.counter(0, StageMetrics.RETRIES)).isEqualTo(2);
            await("committed", WAIT, () -> committed(h, 0) == 1);
        }
    }

    @Test
    void anAttemptOverTheStageTimeoutIsRetried(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            AtomicInteger attempts = new AtomicInteger();
            h.publish("t", 1);
            h.start(h.runtime((request, context) -> attempts.incrementAndGet() == 1
                    ? new CompletableFuture<Void>() : CompletableFuture.completedFuture(null),
                    new PerformanceConfig.StageLimits(4, 100, 1, 1)));
            await("committed", WAIT, () -> committed(h, 0) == 1);
            assertThat(attempts.get()).isEqualTo(2);
            assertThat(h.counter(0, StageMetrics.ATTEMPT_TIMEOUTS)).isEqualTo(1);
        }
    }

    @Test
    void cancelledTurnsAreSkippedAndCancelledCallsStopped(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            Tally tally = new Tally();
            CountDownLatch blockedStarted = new CountDownLatch(1);
            CompletableFuture<Boolean> sawCancellation = new CompletableFuture<>();
            h.cancel("gone-0");
            h.publish("gone", 1);
            h.publish("blocked", 1);
            h.start(h.runtime((request, context) -> {
                tally.add(request);
                if (request.envelope().turnId().equals("blocked-0")) {
                    blockedStarted.countDown();
                    return context.cancellation().thenRun(() -> sawCancellation.complete(context.cancelled())).toCompletableFuture();
                }
                return CompletableFuture.completedFuture(null);
            }, 4));
            assertThat(blockedStarted.await(60, TimeUnit.SECONDS)).isTrue();
            h.cancel("blocked-0");
            assertThat(sawCancellation.get(30, TimeUnit.SECONDS)).isTrue();
            await("committed", WAIT, () -> committed(h, 0) == 2);
            assertThat(tally.handled.keySet()).containsExactly("blocked-0");
            assertThat(h.counter(0, StageMetrics.CANCELLED)).isEqualTo(2);
            assertThat(h.counter(0, StageMetrics.DEAD_LETTERS)).isZero();
        }
    }

    @Test
    void recordsWithoutAnEnvelopeAreDeadLetteredAndCounted(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            Tally tally = new Tally();
            h.publishRaw(new ProducerRecord<>(h.requests, "x", "no headers".getBytes(StandardCharsets.UTF_8)));
            h.publish("ok", 1);
            h.start(h.runtime((request, context) -> {
                tally.add(request);
                return CompletableFuture.completedFuture(null);
            }, 4));
            await("committed", WAIT, () -> committed(h, 0) == 2);
            assertThat(tally.handled.keySet()).containsExactly("ok-0");
            assertThat(h.counter(0, StageMetrics.MALFORMED)).isEqualTo(1);
            List<ConsumerRecord<String, byte[]>> letters = h.read(h.deadLetters, 1);
            assertThat(HeaderValues.requiredText(letters.get(0).headers(), EnvelopeHeaders.ERROR))
                    .isEqualTo("malformed envelope: header xz.session is missing");
        }
    }

    @Test
    void gracefulShutdownLetsInFlightWorkFinishAndCommitsIt(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1)) {
            Tally tally = new Tally();
            AtomicInteger started = new AtomicInteger();
            h.publish("t", 5);
            StageRuntime runtime = h.start(h.runtime((request, context) -> {
                started.incrementAndGet();
                Thread.sleep(400);
                tally.add(request);
                return CompletableFuture.completedFuture(null);
            }, 5));
            await("all five in flight", WAIT, () -> started.get() == 5);
            assertThat(runtime.running()).as("serving, for /health").isTrue();
            runtime.close();
            assertThat(runtime.running()).as("stopped").isFalse();
            assertThat(tally.total()).isEqualTo(5);
            assertThat(h.committed(0)).isEqualTo(5);
        }
    }

    @Test
    void aHandlerSlowerThanMaxPollIntervalDoesNotGetTheConsumerEvicted(KafkaTestBroker kafka) throws Exception {
        try (StageHarness h = new StageHarness(kafka, 1, Map.of("max.poll.interval.ms", "1500"))) {
            Tally tally = new Tally();
            h.publish("t", 3);
            h.start(h.runtime((request, context) -> {
                Thread.sleep(4000);
                tally.add(request);
                return CompletableFuture.completedFuture(null);
            }, 1));
            await("three slow requests done", WAIT, () -> tally.distinct() == 3);
            await("committed", WAIT, () -> committed(h, 0) == 3);
            assertThat(tally.total()).as("each handled once: no eviction, no redelivery").isEqualTo(3);
            assertThat(h.counter(0, StageMetrics.STALE_COMPLETIONS)).isZero();
        }
    }

    @Test
    void workersJoiningAndLeavingLoseNothingAndDuplicateOnlyWhatWasInFlight(KafkaTestBroker kafka) throws Exception {
        int records = 600;
        int maxConcurrent = 5;
        try (StageHarness h = new StageHarness(kafka, 6)) {
            Tally tally = new Tally();
            StageHandler handler = (request, context) -> {
                Thread.sleep(30);
                tally.add(request);
                return CompletableFuture.completedFuture(null);
            };
            // requests keep arriving for about 8 s, so every worker joins while there is work
            Thread publisher = new Thread(() -> {
                for (int batch = 0; batch < records / 15; batch++) {
                    h.publish("b" + batch, 15);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            publisher.start();
            StageRuntime first = h.start(h.runtime(handler, maxConcurrent));
            await("first worker under way", WAIT, () -> tally.distinct() >= 50);
            h.start(h.runtime(handler, maxConcurrent));
            await("second worker joined", WAIT, () -> completed(h, 1) > 0);
            h.start(h.runtime(handler, maxConcurrent));
            await("third worker joined", WAIT, () -> completed(h, 2) > 0);
            first.close();
            publisher.join(60_000);
            await("every record handled", WAIT, () -> tally.distinct() == records);
            await("every offset committed", WAIT, () -> committedTotal(h) == records);
            assertThat(tally.distinct()).isEqualTo(records);
            int duplicates = tally.total() - records;
            double stale = h.counter(0, StageMetrics.STALE_COMPLETIONS) + h.counter(1, StageMetrics.STALE_COMPLETIONS)
                    + h.counter(2, StageMetrics.STALE_COMPLETIONS);
            // Three rebalances; at each, only what a worker had in flight (at most 5 each, 3 workers) can be
            // delivered again, and every such record's late completion is dropped as stale, not committed.
            assertThat(duplicates).isBetween(0, 3 * 3 * maxConcurrent);
            assertThat(stale).isLessThanOrEqualTo(3 * 3 * maxConcurrent);
        }
    }

    private static double completed(StageHarness h, int runtime) {
        return h.registries.size() > runtime ? h.counter(runtime, StageMetrics.COMPLETED) : 0;
    }

    private static long committedTotal(StageHarness h) {
        try {
            return h.committedTotal();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long committed(StageHarness h, int partition) {
        try {
            return h.committed(partition);
        } catch (Exception e) {
            return -1;
        }
    }
}
