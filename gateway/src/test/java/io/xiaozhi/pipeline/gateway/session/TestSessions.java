package io.xiaozhi.pipeline.gateway.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.storage.InMemoryKeyValueStore;
import io.xiaozhi.pipeline.gateway.audio.EnergyVad;
import io.xiaozhi.pipeline.gateway.mcp.DeviceToolStore;
import io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts;
import io.xiaozhi.pipeline.gateway.audio.UtteranceSettings;
import io.xiaozhi.pipeline.gateway.downlink.DownlinkMetrics;
import io.xiaozhi.pipeline.gateway.downlink.ExecutorDownlinkScheduler;
import io.xiaozhi.pipeline.gateway.downlink.PacingSettings;
import io.xiaozhi.pipeline.gateway.pipeline.Admission;
import io.xiaozhi.pipeline.gateway.pipeline.PipelineTopics;
import io.xiaozhi.pipeline.gateway.pipeline.UtterancePublisher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Session services for tests that do not look at the pipeline: publishing goes to a mock producer. */
public final class TestSessions {

    /** The key-value store the test sessions keep device tools in. */
    public static final InMemoryKeyValueStore STORE = new InMemoryKeyValueStore("test:");

    private TestSessions() {
    }

    public static SessionServices services(MeterRegistry meters) {
        return services(meters, new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()), 4);
    }

    /** Services publishing to {@code producer} (topics "asr", "llm", "control", "downlink"); stages admit {@code capacity} turns. */
    public static SessionServices services(MeterRegistry meters, MockProducer<String, byte[]> producer, int capacity) {
        return services(meters, producer, capacity, System::currentTimeMillis);
    }

    /** The same, on the given clock (epoch milliseconds). */
    public static SessionServices services(MeterRegistry meters, MockProducer<String, byte[]> producer, int capacity, LongSupplier clock) {
        return services(meters, producer, capacity, clock, SpokenPrompts.none());
    }

    /** The same, with spoken prompts. */
    public static SessionServices services(MeterRegistry meters, MockProducer<String, byte[]> producer, int capacity, LongSupplier clock,
                                           SpokenPrompts prompts) {
        PerformanceConfig.StageLimits limits = new PerformanceConfig.StageLimits(1, capacity - 1, 10, 1);
        return new SessionServices(
                new UtterancePublisher(producer, new PipelineTopics("asr", "llm", "control", "downlink"), Duration.ofSeconds(30)),
                new Admission(new PerformanceConfig.AiProviders(limits, limits, limits, limits,
                        new PerformanceConfig.RetryPolicy(3, 200, 2000)), meters),
                EnergyVad::new,
                UtteranceSettings.DEFAULTS,
                new ExecutorDownlinkScheduler(Executors.newSingleThreadScheduledExecutor()),
                PacingSettings.DEFAULTS,
                new DownlinkMetrics(meters),
                meters,
                clock,
                List.of("你好小智"),
                new SessionLimits(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(180), Duration.ofSeconds(2)),
                new SessionMetrics(meters),
                new DeviceToolStore(STORE, Duration.ofHours(1)),
                new SessionRegistry(STORE, "gw-test", Duration.ofMinutes(6)),
                (deviceId, host) -> java.util.Optional.of(new VisionOffers.Offer("http://" + host + "/mcp/vision/explain", "token-of-" + deviceId)),
                prompts);
    }
}
