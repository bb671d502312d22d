package io.xiaozhi.pipeline.gateway.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.WholeTopicReader;
import io.xiaozhi.pipeline.common.lag.MalformedLagException;
import io.xiaozhi.pipeline.common.lag.StageLag;
import io.xiaozhi.pipeline.common.lag.StageLagJson;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's lag feed ({@code xiaozhi.lag}, key: stage id, value: {@link StageLag} JSON) as this
 * gateway knows it: the latest value of each stage. Read whole by every gateway without a consumer
 * group, starting {@link #freshness()} back in time: older values could not be used anyway.
 *
 * <p>A value is <em>fresh</em> while its timestamp is within {@code 3 × monitor.lag_interval + 5 s}
 * of this gateway's clock, either way ({@link #freshness(int)}): the monitor publishes every interval,
 * so a value that old means the monitor (or its sampling) has stopped, and {@link Admission} falls
 * back to its own count. A value older than the one held for its stage is ignored (two monitors, or a
 * re-read); a tombstone removes the stage. Records that are not a {@link StageLag}, or whose key is
 * not the stage of their value, are dropped, counted ({@code xiaozhi.gateway.lag_feed.malformed}) and
 * logged (at most once a minute).
 */
public final class LagFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagFeed.class);
    private static final long LOG_EVERY_MILLIS = 60_000;

    private final Duration freshness;
    private final Map<Stage, StageLag> latest = new ConcurrentHashMap<>();
    private final Counter malformed;
    private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);
    private WholeTopicReader reader;

    /** A feed that holds what it is given ({@link #accept(StageLag)}); {@link #read} also fills it from a topic. */
    public LagFeed(Duration freshness, MeterRegistry meters) {
        this.freshness = Objects.requireNonNull(freshness, "freshness");
        this.malformed = Counter.builder("xiaozhi.gateway.lag_feed.malformed")
                .description("lag feed records that were not a stage's lag (dropped)").register(meters);
    }

    /** {@code 3 × lag_interval + 5 s}: how old a value may be and still be trusted. */
    public static Duration freshness(int lagIntervalSeconds) {
        return Duration.ofSeconds(3L * lagIntervalSeconds + 5);
    }

    /** A feed reading {@code topic} (the lag feed) on a thread of its own. */
    public static LagFeed read(KafkaClients clients, String topic, Duration freshness, MeterRegistry meters) {
        LagFeed feed = new LagFeed(freshness, meters);
        feed.reader = new WholeTopicReader(clients, topic, freshness, feed::onRecord).start("lag-feed-" + topic);
        return feed;
    }

    /** Waits until the reader is positioned on the feed (no wait for a feed that reads no topic). */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return reader == null || reader.awaitReady(timeout);
    }

    public Duration freshness() {
        return freshness;
    }

    /** Keeps {@code lag} as its stage's value, unless the value held is newer. */
    public void accept(StageLag lag) {
        latest.merge(lag.stage(), lag, (held, offered) -> offered.timestamp() >= held.timestamp() ? offered : held);
    }

    /** The stage's latest value if it is fresh at {@code now} (epoch ms). */
    public Optional<StageLag> fresh(Stage stage, long now) {
        StageLag lag = latest.get(stage);
        if (lag == null || Math.abs(now - lag.timestamp()) > freshness.toMillis()) {
            return Optional.empty();
        }
        return Optional.of(lag);
    }

    void onRecord(ConsumerRecord<String, byte[]> record) {
        Stage keyed = stageOf(record.key());
        if (record.value() == null) {
            if (keyed != null) {
                latest.remove(keyed);
            }
            return;
        }
        StageLag lag;
        try {
            lag = StageLagJson.decode(record.value());
        } catch (MalformedLagException e) {
            drop(record, e.getMessage());
            return;
        }
        if (keyed != lag.stage()) {
            drop(record, "key '" + record.key() + "' but the value is of stage " + lag.stage().id());
            return;
        }
        accept(lag);
    }

    private void drop(ConsumerRecord<String, byte[]> record, String reason) {
        malformed.increment();
        long now = System.currentTimeMillis();
        long last = lastLogged.get();
        if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_MILLIS) && lastLogged.compareAndSet(last, now)) {
            LOG.warn("dropping a lag feed record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        }
    }

    private static Stage stageOf(String id) {
        for (Stage stage : Stage.values()) {
            if (stage.id().equals(id)) {
                return stage;
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
    }
}
