package io.xiaozhi.pipeline.monitor.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where alert events go besides {@code xiaozhi.alerts}: the log (WARN for {@code firing}, INFO for
 * {@code resolved}) and every {@code monitor.webhooks} URL as a JSON POST.
 *
 * <p>It is a consumer of the alerts topic of its own, in group {@value #GROUP}, not a step of the
 * topology: a webhook that is slow or down then never holds up a stream thread, and only events the
 * topology has really published are announced. A new group starts at the events stamped at most
 * {@value #LOOK_BACK_MINUTES} minutes before this sink started (an event carries the time of the
 * reading that raised it, which may be a little older than its publication), not at the topic's days
 * of history; later it resumes at its committed offset, so events raised while the monitor was down
 * are delivered when it is back.
 *
 * <p>Each POST has a 5 s timeout; a failed one (an error status, a timeout, no connection) is counted
 * in {@code xiaozhi.monitor.webhook.failures} and retried at most twice, after 1 s and then 2 s. An
 * event given up on is counted in {@code xiaozhi.monitor.webhook.dropped}, as are events beyond 1,000
 * deliveries in progress. Offsets are committed once the events are handed to the sender, so a crash
 * may lose the deliveries in flight (at most once); the events stay on the topic.
 */
public final class AlertSinks implements AutoCloseable {

    public static final String GROUP = "xiaozhi-monitor-alert-sinks";

    private static final Logger LOG = LoggerFactory.getLogger(AlertSinks.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_ATTEMPTS = 3;
    private static final int MAX_IN_FLIGHT = 1000;
    static final int LOOK_BACK_MINUTES = 5;

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final List<URI> webhooks;
    private final HttpClient http;
    private final Duration firstBackoff;
    private final ScheduledExecutorService retries;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Counter failures;
    private final Counter dropped;
    private final Counter malformed;
    private final long startedAt;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Starts the sink. {@code consumerConfig} is a consumer's configuration (bootstrap servers,
     * security); group, deserializers and offset handling are set here.
     */
    public static AlertSinks start(Map<String, Object> consumerConfig, String topic, List<String> webhooks, MeterRegistry meters) {
        return new AlertSinks(consumerConfig, GROUP, topic, webhooks, meters, Duration.ofSeconds(1), Clock.systemUTC());
    }

    AlertSinks(Map<String, Object> consumerConfig, String group, String topic, List<String> webhooks, MeterRegistry meters,
               Duration firstBackoff, Clock clock) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(config);
        this.topic = topic;
        this.webhooks = webhooks.stream().map(URI::create).toList();
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        this.firstBackoff = firstBackoff;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "monitor-webhook-retries");
            t.setDaemon(true);
            return t;
        });
        this.failures = Counter.builder("xiaozhi.monitor.webhook.failures").description("webhook POSTs of alert events that failed")
                .register(meters);
        this.dropped = Counter.builder("xiaozhi.monitor.webhook.dropped")
                .description("alert events a webhook never received (attempts exhausted, or too many deliveries in progress)")
                .register(meters);
        this.malformed = Counter.builder("xiaozhi.monitor.alerts.malformed").description("records on the alerts topic that are not alert JSON")
                .register(meters);
        this.startedAt = clock.millis() - Duration.ofMinutes(LOOK_BACK_MINUTES).toMillis();
        this.thread = new Thread(this::run, "monitor-alert-sinks");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new StartAtLaunch());
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, byte[]> record : records) {
                        handle(record);
                    }
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // a failed commit or a broker that is away: the events stay on the topic; go on after a pause
                    LOG.warn("alert sink: {}; going on in 1 s", e.toString());
                    pause();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("alert sink woken up unexpectedly", e);
            }
        } finally {
            try {
                consumer.commitSync(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("alert sink: last commit failed: {}", e.toString());
            }
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        JsonNode alert;
        try {
            alert = record.value() == null ? null : JSON.readTree(record.value());
        } catch (IOException e) {
            alert = null;
        }
        if (alert == null || !alert.isObject() || !alert.path("state").isTextual()) {
            malformed.increment();
            LOG.warn("record {}-{}@{} on {} is not an alert event; skipped", record.topic(), record.partition(), record.offset(), topic);
            return;
        }
        String state = alert.path("state").asText();
        if (Alert.FIRING.equals(state)) {
            LOG.warn("alert {} firing ({}, repeat {}): {}", alert.path("id").asText(), alert.path("severity").asText(),
                    alert.path("repeat").asInt(), alert.path("message").asText());
        } else {
            LOG.info("alert {} {}: {}", alert.path("id").asText(), state, alert.path("message").asText());
        }
        String body = new String(record.value(), StandardCharsets.UTF_8);
        for (URI webhook : webhooks) {
            if (!inFlight.tryAcquire()) {
                dropped.increment();
                LOG.warn("webhook {}: {} deliveries in progress; alert {} not sent", webhook, MAX_IN_FLIGHT, alert.path("id").asText());
                continue;
            }
            post(webhook, body, alert.path("id").asText(), 1);
        }
    }

    private void post(URI webhook, String body, String id, int attempt) {
        HttpRequest request = HttpRequest.newBuilder(webhook)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error == null && response.statusCode() / 100 == 2) {
                inFlight.release();
                return;
            }
            failures.increment();
            String why = error != null ? error.toString() : "HTTP " + response.statusCode();
            if (attempt < MAX_ATTEMPTS && running) {
                long wait = firstBackoff.toMillis() << (attempt - 1);
                LOG.debug("webhook {}: alert {} attempt {} failed ({}); again in {} ms", webhook, id, attempt, why, wait);
                retries.schedule(() -> post(webhook, body, id, attempt + 1), wait, TimeUnit.MILLISECONDS);
            } else {
                inFlight.release();
                dropped.increment();
                LOG.warn("webhook {}: alert {} not delivered after {} attempts: {}", webhook, id, attempt, why);
            }
        });
    }

    /** Partitions without a committed offset start at the first event stamped after the look-back point. */
    private final class StartAtLaunch implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
            Map<TopicPartition, Long> fresh = new HashMap<>();
            for (TopicPartition partition : partitions) {
                if (committed.get(partition) == null) {
                    fresh.put(partition, startedAt);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(fresh);
            List<TopicPartition> toEnd = new ArrayList<>();
            fresh.keySet().forEach(partition -> {
                OffsetAndTimestamp offset = offsets.get(partition);
                if (offset != null) {
                    consumer.seek(partition, offset.offset());
                } else {
                    toEnd.add(partition);
                }
            });
            if (!toEnd.isEmpty()) {
                consumer.seekToEnd(toEnd);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // offsets are committed after each batch; nothing is held back
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retries.shutdownNow();
    }
}
