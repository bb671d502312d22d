package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.Worker;
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
        return new VllmWorker(provider, new VisionMetrics(context.meters()));
    }

    public VisionProvider provider() {
        return provider;
    }

    @Override
    public StageHandler handler() {
        return handler;
    }
}
