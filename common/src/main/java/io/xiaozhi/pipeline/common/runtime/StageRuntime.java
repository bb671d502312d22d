package io.xiaozhi.pipeline.common.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage of the pipeline: {@code consumers} consumers of the stage's request topic in one
 * group, at most {@code max_concurrent} requests in flight in this process, offsets committed only
 * up to unfinished work, backpressure by pausing partitions, deadlines, retries with backoff, dead
 * letters, cancellation from {@code xiaozhi.control}, and metrics. A worker supplies only a
 * {@link StageHandler}.
 *
 * <pre>{@code
 * StageRuntime runtime = StageRuntime.builder(Stage.ASR, handler).settings(settings).build();
 * runtime.start();
 * ...
 * runtime.close(); // stops taking work, lets in-flight work finish, commits, leaves the group
 * }</pre>
 */
public final class StageRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StageRuntime.class);

    private final Options options;
    private final StageHandler handler;
    private final KafkaClients clients;
    private final MeterRegistry registry;
    private final Semaphore permits;
    private final List<StageConsumerLoop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private ExecutorService handlerPool;
    private ExecutorService continuations;
    private ScheduledExecutorService scheduler;
    private Producer<String, byte[]> producer;
    private ControlListener control;
    private boolean started;
    private boolean closed;

    /** Everything the runtime's parts need to know, fixed at build time. */
    record Options(Stage stage, String requestTopic, String deadLetterTopic, String controlTopic, String groupId,
                   PerformanceConfig.StageLimits limits, PerformanceConfig.RetryPolicy retry, FailureClassifier classifier,
                   LongSupplier clock, Duration pollTimeout, Duration commitInterval, Duration shutdownGrace,
                   Duration cancellationMemory) {
    }

    private StageRuntime(Options options, StageHandler handler, KafkaClients clients, MeterRegistry registry) {
        this.options = options;
        this.handler = handler;
        this.clients = clients;
        this.registry = registry;
        this.permits = new Semaphore(options.limits().maxConcurrent());
    }

    public static Builder builder(Stage stage, StageHandler handler) {
        return new Builder(stage, handler);
    }

    /** Starts the control listener and the consumers; returns at once. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        String id = options.stage().id();
        StageMetrics metrics = new StageMetrics(registry, id,
                () -> options.limits().maxConcurrent() - permits.availablePermits(),
                permits::availablePermits,
                () -> loops.stream().mapToInt(StageConsumerLoop::pausedPartitions).sum());
        handlerPool = Executors.newFixedThreadPool(options.limits().maxConcurrent(), threads(id + "-handler"));
        scheduler = Executors.newSingleThreadScheduledExecutor(threads(id + "-scheduler"));
        continuations = Executors.newCachedThreadPool(threads(id + "-continuation"));
        Map<String, Object> producerConfig = clients.producerConfig(KafkaClients.ProducerProfile.VOICE);
        // a failed request is dead-lettered whole: as large as its topic allows (a photo exceeds Kafka's default 1 MiB)
        Topics.maxRecordBytes(options.stage()).ifPresent(bytes -> producerConfig.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, bytes));
        producer = new KafkaProducer<>(producerConfig);
        CancellationRegistry cancellations = new CancellationRegistry(options.clock(), options.cancellationMemory());
        control = new ControlListener(clients, options.controlTopic(), cancellations, options.cancellationMemory());
        control.start();
        awaitControl();
        RequestProcessor processor = new RequestProcessor(options, handler, producer, handlerPool, continuations, scheduler, cancellations,
                metrics, new Backoff(options.retry(), () -> ThreadLocalRandom.current().nextDouble()));
        for (int i = 0; i < options.limits().consumers(); i++) {
            StageConsumerLoop loop = new StageConsumerLoop(clients.consumer(options.groupId()), options, permits, processor, metrics);
            loops.add(loop);
            Thread thread = new Thread(loop, id + "-consumer-" + i);
            threads.add(thread);
            thread.start();
        }
        LOG.info("{} stage started: {} consumer(s) of {} in group {}, {} in flight at most, timeout {} s", id,
                options.limits().consumers(), options.requestTopic(), options.groupId(), options.limits().maxConcurrent(),
                options.limits().timeout());
    }

    private void awaitControl() {
        try {
            if (!control.awaitAssigned(Duration.ofSeconds(15))) {
                LOG.warn("{}: the control topic {} is not readable yet; starting anyway", options.stage().id(), options.controlTopic());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the stage is serving: started, not stopped, and every consumer thread alive. */
    public synchronized boolean running() {
        return started && !closed && !threads.isEmpty() && threads.stream().allMatch(Thread::isAlive);
    }

    /** Requests in flight in this process now. */
    public int inFlight() {
        return options.limits().maxConcurrent() - permits.availablePermits();
    }

    /**
     * Graceful stop: consumers stop taking work, in-flight requests get the shutdown grace period to
     * finish, finished offsets are committed, and the consumers leave the group.
     */
    @Override
    public synchronized void close() {
        stop(StageConsumerLoop::stop, options.shutdownGrace().plusSeconds(15), Duration.ofSeconds(5));
    }

    /**
     * Stops at once without committing anything more and without waiting for in-flight work: what a
     * crash leaves behind. Unfinished requests are delivered again to whichever consumer takes their
     * partitions. For tests of that guarantee, and for fatal errors.
     */
    synchronized void abort() {
        stop(StageConsumerLoop::abort, Duration.ofSeconds(20), Duration.ZERO);
    }

    private void stop(java.util.function.Consumer<StageConsumerLoop> how, Duration loopWait, Duration producerWait) {
        if (!started || closed) {
            return;
        }
        closed = true;
        loops.forEach(how);
        for (int i = 0; i < loops.size(); i++) {
            try {
                if (!loops.get(i).awaitFinished(loopWait)) {
                    LOG.warn("{} did not stop within {} ms", threads.get(i).getName(), loopWait.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        control.close();
        scheduler.shutdownNow();
        handlerPool.shutdownNow();
        producer.close(producerWait);
        continuations.shutdownNow();
        LOG.info("{} stage stopped", options.stage().id());
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Options of a stage runtime; the defaults follow the stage's configuration. */
    public static final class Builder {
        private final Stage stage;
        private final StageHandler handler;
        private ServiceConfig.Kafka kafka;
        private PerformanceConfig.StageLimits limits;
        private PerformanceConfig.RetryPolicy retry;
        private String requestTopic;
        private String deadLetterTopic;
        private String controlTopic = Topics.CONTROL;
        private String groupId;
        private MeterRegistry registry = new SimpleMeterRegistry();
        private FailureClassifier classifier = FailureClassifier.DEFAULT;
        private LongSupplier clock = System::currentTimeMillis;
        private Duration pollTimeout = Duration.ofMillis(100);
        private Duration commitInterval = Duration.ofMillis(500);
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Duration cancellationMemory = Duration.ofMinutes(10);
        private String serviceName;

        private Builder(Stage stage, StageHandler handler) {
            this.stage = Objects.requireNonNull(stage);
            this.handler = Objects.requireNonNull(handler);
            this.requestTopic = Topics.requests(stage);
            this.deadLetterTopic = Topics.deadLetters(stage);
            this.groupId = "xiaozhi." + stage.id();
            this.serviceName = stage.id() + "-worker";
        }

        /** Kafka from {@code config.yaml}, limits and retry policy from {@code performance.yaml}. */
        public Builder settings(Settings settings) {
            this.kafka = settings.config().kafka();
            this.limits = settings.performance().aiProviders().of(stage);
            this.retry = settings.performance().aiProviders().retry();
            return this;
        }

        public Builder kafka(ServiceConfig.Kafka kafka) {
            this.kafka = kafka;
            return this;
        }

        public Builder limits(PerformanceConfig.StageLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder retry(PerformanceConfig.RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        /** The topics (defaults: the registry's for this stage). */
        public Builder topics(String requestTopic, String deadLetterTopic, String controlTopic) {
            this.requestTopic = requestTopic;
            this.deadLetterTopic = deadLetterTopic;
            this.controlTopic = controlTopic;
            return this;
        }

        /** The consumer group (default {@code xiaozhi.<stage>}). */
        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public Builder classifier(FailureClassifier classifier) {
            this.classifier = classifier;
            return this;
        }

        /** Epoch milliseconds, for deadlines (default: the system clock). */
        public Builder clock(LongSupplier clock) {
            this.clock = clock;
            return this;
        }

        /** How often finished offsets are committed (default 500 ms): what a crash may deliver twice. */
        public Builder commitInterval(Duration interval) {
            this.commitInterval = interval;
            return this;
        }

        /** How long in-flight requests may take to finish on {@link #close()} (default 30 s). */
        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = grace;
            return this;
        }

        public Builder serviceName(String serviceName) {
            this.serviceName = serviceName;
            return this;
        }

        public StageRuntime build() {
            if (kafka == null || limits == null || retry == null) {
                throw new IllegalStateException("settings (or kafka, limits and retry) are required");
            }
            Options options = new Options(stage, requestTopic, deadLetterTopic, controlTopic, groupId, limits, retry, classifier,
                    clock, pollTimeout, commitInterval, shutdownGrace, cancellationMemory);
            return new StageRuntime(options, handler, new KafkaClients(kafka, serviceName), registry);
        }
    }
}
