package io.xiaozhi.pipeline.monitor.lag;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's lag loop: every {@code monitor.lag_interval} seconds a {@link LagSampler} reads each
 * stage's offsets and a {@link LagAnalyzer} turns them into a {@link StageLag}, which is kept for the
 * HTTP API ({@link #latest()}) and published to the compacted {@code xiaozhi.lag} feed (key: the stage
 * id) that gateways admit turns by. Every sample is published, so a gateway can tell a live value from
 * a stale one by its timestamp.
 *
 * <p>Meters (tag {@code stage}): {@code xiaozhi.monitor.lag.records}, {@code .seconds}, {@code .state}
 * (0 OK, 1 WARN, 2 STALL, 3 STOP) and {@code .recommended_workers} (gauges of the latest value; absent
 * until there is one); {@code xiaozhi.monitor.lag.sample.failures} (a stage that could not be sampled),
 * {@code .age.unknown} (a partition with lag whose oldest record could not be read in time; its age
 * counts as 0 in that sample) and, without tag, {@code xiaozhi.monitor.lag.publish.failures} (counters).
 * A failure is logged once when a streak of them starts and once when it ends; it never stops the loop:
 * with the broker down, sampling goes on failing (and counting) until the broker is back.
 */
public final class LagMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagMonitor.class);
    /** How long a sampler may wait for the broker, at least. */
    private static final Duration MIN_SAMPLE_TIMEOUT = Duration.ofSeconds(5);

    private final LagSampler sampler;
    private final LagAnalyzer analyzer;
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final List<AutoCloseable> owned;
    private final Map<LagTarget, StageLag> latest = new ConcurrentHashMap<>();
    private final Map<LagTarget, Counter> sampleFailures = new HashMap<>();
    private final Map<LagTarget, Counter> ageUnknown = new HashMap<>();
    private final Map<LagTarget, Integer> failureStreaks = new ConcurrentHashMap<>();
    private final Set<LagTarget> ageStreaks = ConcurrentHashMap.newKeySet();
    private final Counter publishFailures;
    private final AtomicBoolean publishFailing = new AtomicBoolean();
    private ScheduledExecutorService scheduler;

    /**
     * @param sampler  reads the offsets (closed by {@link #close()})
     * @param analyzer keeps the windows
     * @param producer publishes to {@code topic}
     * @param topic    the lag feed ({@code xiaozhi.lag})
     * @param meters   where the meters go
     * @param owned    what {@link #close()} closes after the sampler (the producer and admin client, when this monitor made them)
     */
    public LagMonitor(LagSampler sampler, LagAnalyzer analyzer, Producer<String, byte[]> producer, String topic, MeterRegistry meters,
                      List<? extends AutoCloseable> owned) {
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.owned = List.copyOf(owned);
        for (LagTarget target : sampler.targets()) {
            Tags tags = Tags.of("stage", target.stage().id());
            gauge(meters, "xiaozhi.monitor.lag.records", target, tags, StageLag::records, "records not yet committed by the stage's group");
            gauge(meters, "xiaozhi.monitor.lag.seconds", target, tags, StageLag::seconds, "age of the oldest record not yet committed");
            gauge(meters, "xiaozhi.monitor.lag.state", target, tags, lag -> lag.state().code(), "0 OK, 1 WARN, 2 STALL, 3 STOP");
            gauge(meters, "xiaozhi.monitor.lag.recommended_workers", target, tags, StageLag::recommendedWorkers,
                    "worker processes that would drain the queue within the drain target");
            sampleFailures.put(target, Counter.builder("xiaozhi.monitor.lag.sample.failures").tags(tags)
                    .description("lag samples of the stage that could not be read").register(meters));
            ageUnknown.put(target, Counter.builder("xiaozhi.monitor.lag.age.unknown").tags(tags)
                    .description("partitions with lag whose oldest record could not be read in time").register(meters));
        }
        this.publishFailures = Counter.builder("xiaozhi.monitor.lag.publish.failures")
                .description("lag values that could not be published to the lag feed").register(meters);
    }

    /**
     * Starts the lag loop of a monitor process on the pipeline's stages: provisions the {@code xiaozhi.lag}
     * topic (the monitor's own), makes its admin client, producer and sampler, and samples every
     * {@code monitor.lag_interval} seconds.
     *
     * @param meanProcessingSeconds a stage's mean processing time in seconds when the metrics know it
     *                              ({@link LagAnalyzer}: it sizes the recommended worker count)
     */
    public static LagMonitor start(Settings settings, KafkaClients clients, MeterRegistry meters,
                                   Function<Stage, OptionalDouble> meanProcessingSeconds) {
        PerformanceConfig.Monitoring config = settings.performance().monitor();
        Duration interval = Duration.ofSeconds(config.lagInterval());
        Admin admin = clients.admin();
        Producer<String, byte[]> producer = null;
        try {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(List.of(new Topics(settings.config().kafka()).lagTopic()));
            Map<String, Object> producerConfig = clients.producerConfig(KafkaClients.ProducerProfile.BULK);
            // a broker that is down must not hold the sampling thread for a minute on each send
            producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) sampleTimeout(interval).toMillis());
            producer = new KafkaProducer<>(producerConfig);
            LagSampler sampler = LagSampler.create(clients, admin, LagTarget.pipeline(), System::currentTimeMillis, sampleTimeout(interval));
            LagAnalyzer analyzer = new LagAnalyzer(Duration.ofSeconds(config.lagWindowSeconds()), interval,
                    Duration.ofSeconds(config.drainTargetSeconds()), settings.performance().aiProviders(), meanProcessingSeconds);
            Producer<String, byte[]> made = producer;
            AutoCloseable closeProducer = () -> made.close(Duration.ofSeconds(5));
            return new LagMonitor(sampler, analyzer, producer, Topics.LAG, meters, List.of(closeProducer, admin)).start(interval);
        } catch (RuntimeException e) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(1));
            }
            admin.close();
            throw e;
        }
    }

    /** How long one sample may wait for the broker: the interval, and at least 5 s. */
    public static Duration sampleTimeout(Duration interval) {
        return interval.compareTo(MIN_SAMPLE_TIMEOUT) > 0 ? interval : MIN_SAMPLE_TIMEOUT;
    }

    /** Samples now and then every {@code interval} on a thread of its own. */
    public synchronized LagMonitor start(Duration interval) {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "lag-monitor");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleAtFixedRate(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Samples every stage once, keeps and publishes what could be read, and returns it. Stages that
     * could not be read keep their previous value (which grows stale) and are counted.
     */
    public synchronized List<StageLag> sampleOnce() {
        LagSampler.Round round = sampler.sample();
        round.failures().forEach(this::failed);
        List<StageLag> values = new ArrayList<>();
        for (LagSample sample : round.samples()) {
            recovered(sample.target());
            countUnknownAges(sample);
            StageLag lag = analyzer.add(sample);
            latest.put(sample.target(), lag);
            values.add(lag);
            publish(lag);
        }
        return values;
    }

    /** The latest value of each stage that has one, in the order of the sampler's targets. */
    public List<StageLag> latest() {
        List<StageLag> list = new ArrayList<>();
        for (LagTarget target : sampler.targets()) {
            StageLag lag = latest.get(target);
            if (lag != null) {
                list.add(lag);
            }
        }
        return list;
    }

    /** The latest value of a stage, if it was sampled. */
    public Optional<StageLag> latest(Stage stage) {
        return latest().stream().filter(lag -> lag.stage() == stage).findFirst();
    }

    private void sampleQuietly() {
        try {
            sampleOnce();
        } catch (RuntimeException e) {
            for (LagTarget target : sampler.targets()) {
                failed(target, e);
            }
        } catch (Error e) {
            LOG.error("lag sampling failed", e);
        }
    }

    private void failed(LagTarget target, RuntimeException e) {
        sampleFailures.get(target).increment();
        int streak = failureStreaks.merge(target, 1, Integer::sum);
        if (streak == 1) {
            LOG.warn("cannot sample the lag of {}: {}; going on trying", target.stage().id(), e.getMessage());
        } else {
            LOG.debug("lag of {} still not sampled: {}", target.stage().id(), e.toString());
        }
    }

    private void recovered(LagTarget target) {
        Integer streak = failureStreaks.remove(target);
        if (streak != null) {
            LOG.info("sampling the lag of {} again after {} failed samples", target.stage().id(), streak);
        }
    }

    private void countUnknownAges(LagSample sample) {
        long unknown = sample.partitions().stream().filter(p -> p.records() > 0 && p.oldestTimestamp() < 0).count();
        if (unknown > 0) {
            ageUnknown.get(sample.target()).increment(unknown);
            if (ageStreaks.add(sample.target())) {
                LOG.warn("the oldest waiting record of {} could not be read in time on {} partition(s); its age counts as 0",
                        sample.target().topic(), unknown);
            }
        } else {
            ageStreaks.remove(sample.target());
        }
    }

    private void publish(StageLag lag) {
        try {
            producer.send(new ProducerRecord<>(topic, lag.stage().id(), StageLagJson.encode(lag)), (metadata, error) -> {
                if (error != null) {
                    publishFailed(error);
                } else if (publishFailing.compareAndSet(true, false)) {
                    LOG.info("publishing to {} again", topic);
                }
            });
        } catch (RuntimeException e) {
            publishFailed(e);
        }
    }

    private void publishFailed(Exception error) {
        publishFailures.increment();
        if (publishFailing.compareAndSet(false, true)) {
            LOG.warn("cannot publish to {}: {}; going on trying", topic, error.toString());
        }
    }

    private void gauge(MeterRegistry meters, String name, LagTarget target, Tags tags, ToDoubleFunction<StageLag> value,
                       String description) {
        Gauge.builder(name, () -> {
            StageLag lag = latest.get(target);
            return lag == null ? Double.NaN : value.applyAsDouble(lag);
        }).tags(tags).description(description).register(meters);
    }

    /** Stops sampling (waiting for a sample under way), then closes the sampler and what this monitor owns. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
        }
        if (s != null) {
            s.shutdown();
            try {
                if (!s.awaitTermination(15, TimeUnit.SECONDS)) {
                    s.shutdownNow();
                    s.awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                s.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            sampler.close();
        }
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
