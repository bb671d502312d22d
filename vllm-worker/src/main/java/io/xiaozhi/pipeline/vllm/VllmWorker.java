package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.Worker;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vision stage's worker: a {@link VisionHandler} around the provider chosen by
 * {@code providers.vllm.type} — {@link OpenAiVisionProvider} for {@code openai},
 * {@link OfflineVisionProvider} for {@code offline}.
 */
public final class VllmWorker implements Worker {

    private static final Logger LOG = LoggerFactory.getLogger(VllmWorker.class);

    private final VisionProvider provider;
    private final VisionHandler handler;

    public VllmWorker(VisionProvider provider, VisionMetrics metrics) {
        this.provider = provider;
        this.handler = new VisionHandler(provider, metrics);
    }

    /** The {@link io.xiaozhi.pipeline.common.service.WorkerFactory} of the vision stage. */
    public static VllmWorker create(ServiceContext context) {
        ServiceConfig.Provider config = context.settings().config().providers().vllm();
        VisionProvider provider = switch (config.type()) {
            case OFFLINE -> new OfflineVisionProvider();
            case OPENAI -> new OpenAiVisionProvider(new OpenAiEndpoint(Stage.VLLM.id(), config, OpenAiEndpoint.defaultClient(),
                    new ProviderMetrics(context.meters())), OpenAiVisionProvider.DEFAULT_MAX_TOKENS);
        };
        LOG.info("{}: vision provider {}", context.service(), provider.description());
        warnIfDeadLettersCannotCarryPhotos(context.service(), context.settings().config().kafka());
        return new VllmWorker(provider, new VisionMetrics(context.meters()));
    }

    /**
     * The stage runtime dead-letters a failed request whole, photo included, through a producer built
     * from {@code kafka.producer}; with Kafka's default {@code max.request.size} of 1 MiB a failed
     * request with a larger photo cannot be dead-lettered.
     */
    static boolean deadLettersCanCarryPhotos(ServiceConfig.Kafka kafka) {
        String size = kafka.producer().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        try {
            return size != null && Long.parseLong(size.strip()) >= VisionRequest.MAX_RECORD_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void warnIfDeadLettersCannotCarryPhotos(String service, ServiceConfig.Kafka kafka) {
        if (!deadLettersCanCarryPhotos(kafka)) {
            LOG.warn("{}: kafka.producer.max.request.size is not at least {}: a failed request whose photo is over about 1 MiB"
                    + " cannot be sent to the dead-letter topic; set kafka.producer: {\"max.request.size\": \"{}\"}",
                    service, VisionRequest.MAX_RECORD_BYTES, VisionRequest.MAX_RECORD_BYTES);
        }
    }

    public VisionProvider provider() {
        return provider;
    }

    @Override
    public StageHandler handler() {
        return handler;
    }
}
