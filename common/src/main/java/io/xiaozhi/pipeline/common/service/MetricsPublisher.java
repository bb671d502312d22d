package io.xiaozhi.pipeline.common.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link MetricSnapshots snapshot} of a service's meters to {@code xiaozhi.metrics} every
 * {@code monitor.interval} seconds, keyed by {@code <service>/<instance>}, through a bulk producer.
 * A snapshot that cannot be sent is counted ({@code xiaozhi.metrics.publish.failures}) and the next
 * one goes on: metrics are never worth blocking a service for.
 */
public final class MetricsPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsPublisher.class);

    private final String service;
    private final String instance;
    private final MeterRegistry registry;
    private final Producer<String, byte[]> producer;
    private final Clock clock;
    private final String topic;
    private final Counter failures;
    private final ScheduledExecutorService scheduler;

    public MetricsPublisher(String service, String instance, MeterRegistry registry, Producer<String, byte[]> producer,
                            Clock clock, Duration interval) {
        this(service, instance, registry, producer, clock, interval, Topics.METRICS);
    }

    /** A publisher to {@code topic} instead of {@code xiaozhi.metrics} (tests). */
    public MetricsPublisher(String service, String instance, MeterRegistry registry, Producer<String, byte[]> producer,
                            Clock clock, Duration interval, String topic) {
        this.topic = topic;
        this.service = service;
        this.instance = instance;
        this.registry = registry;
        this.producer = producer;
        this.clock = clock;
        this.failures = Counter.builder("xiaozhi.metrics.publish.failures")
                .description("metric snapshots that could not be published").register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, service + "-metrics-publisher");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        scheduler.scheduleAtFixedRate(this::publishQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Publishes one snapshot now (also called on each interval). */
    public void publish() {
        byte[] value = MetricSnapshots.snapshot(service, instance, clock.millis(), registry).toString().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, service + "/" + instance, value), (metadata, error) -> {
            if (error != null) {
                failures.increment();
                LOG.debug("{}: metric snapshot not published: {}", service, error.toString());
            }
        });
    }

    private void publishQuietly() {
        try {
            publish();
        } catch (RuntimeException e) {
            failures.increment();
            LOG.debug("{}: metric snapshot not published: {}", service, e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            publish();
            producer.flush();
        } catch (RuntimeException e) {
            LOG.debug("{}: last metric snapshot not published: {}", service, e.toString());
        }
        producer.close(Duration.ofSeconds(5));
    }
}
