package io.xiaozhi.pipeline.vllm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The vision stage's own meters, beside the runtime's {@code xiaozhi.stage.*} (tag {@code stage=vllm})
 * and the providers' {@code xiaozhi.provider.failures}: requests taken, the size of their images,
 * how long an answer took, and requests rejected by reason.
 */
public final class VisionMetrics {

    public static final String REQUESTS = "xiaozhi.vllm.requests";
    public static final String IMAGE_BYTES = "xiaozhi.vllm.image.bytes";
    public static final String ANSWER_LATENCY = "xiaozhi.vllm.answer.latency";
    public static final String REJECTED = "xiaozhi.vllm.rejected";

    private static final double KIB = 1024;
    private static final double MIB = 1024 * KIB;

    private final Counter requests;
    private final DistributionSummary imageBytes;
    private final Timer answerLatency;
    private final Map<Rejection, Counter> rejected = new EnumMap<>(Rejection.class);

    public VisionMetrics(MeterRegistry registry) {
        requests = Counter.builder(REQUESTS).description("vision requests taken (first attempts)").register(registry);
        imageBytes = DistributionSummary.builder(IMAGE_BYTES).baseUnit("bytes")
                .description("size of the checked images of vision requests")
                .serviceLevelObjectives(16 * KIB, 64 * KIB, 256 * KIB, 512 * KIB, MIB, 2 * MIB, 5 * MIB)
                .register(registry);
        answerLatency = Timer.builder(ANSWER_LATENCY).description("time the provider took to answer a photo (successful attempts)")
                .publishPercentileHistogram().register(registry);
        for (Rejection rejection : Rejection.values()) {
            rejected.put(rejection, Counter.builder(REJECTED).tag("reason", rejection.tag())
                    .description("vision requests refused without asking a model, by reason").register(registry));
        }
    }

    void request() {
        requests.increment();
    }

    void image(int bytes) {
        imageBytes.record(bytes);
    }

    void answered(long nanos) {
        answerLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void rejected(Rejection rejection) {
        rejected.get(rejection).increment();
    }
}
