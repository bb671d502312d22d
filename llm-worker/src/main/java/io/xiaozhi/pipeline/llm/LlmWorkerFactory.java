package io.xiaozhi.pipeline.llm;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.Worker;
import io.xiaozhi.pipeline.common.service.WorkerFactory;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.offline.OfflineResponder;
import io.xiaozhi.pipeline.llm.openai.OpenAiChatModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the llm-worker from a service's context: the model {@code providers.llm} names (an
 * OpenAI-compatible API, or the offline responder), the key-value store, the database (opened when
 * first needed) and the {@link LlmSettings} defaults.
 */
public final class LlmWorkerFactory implements WorkerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(LlmWorkerFactory.class);

    private final LlmSettings settings;

    /** A factory that takes its settings from the service's {@code config.yaml} ({@code llm}). */
    public LlmWorkerFactory() {
        this(null);
    }

    /** A factory with the given settings ({@code null}: from {@code config.yaml}). */
    public LlmWorkerFactory(LlmSettings settings) {
        this.settings = settings;
    }

    @Override
    public Worker create(ServiceContext context) {
        LlmSettings settings = this.settings != null ? this.settings : LlmSettings.from(context.settings().config().llm());
        ChatModel model = model(context, settings);
        LOG.info("llm-worker: {}", model.describe());
        return new LlmWorker(model, context.keyValues(), context::database, settings, context.meters(), context.clock(),
                Topics.requests(Stage.TTS));
    }

    private static ChatModel model(ServiceContext context, LlmSettings settings) {
        ServiceConfig.Provider provider = context.settings().config().providers().of(Stage.LLM);
        if (provider.type() == ServiceConfig.ProviderType.OPENAI) {
            return new OpenAiChatModel(new OpenAiEndpoint(Stage.LLM.id(), provider, OpenAiEndpoint.defaultClient(),
                    new ProviderMetrics(context.meters())));
        }
        return new OfflineResponder(context.clock(), settings.timeZone());
    }
}
