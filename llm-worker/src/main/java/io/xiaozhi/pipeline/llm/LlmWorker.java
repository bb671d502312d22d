package io.xiaozhi.pipeline.llm;

import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.service.Worker;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.llm.conversation.ChatHistoryWriter;
import io.xiaozhi.pipeline.llm.conversation.ConversationHistory;
import io.xiaozhi.pipeline.llm.conversation.SystemPrompts;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.tools.DeviceToolCatalog;
import io.xiaozhi.pipeline.llm.tools.ServerTools;
import io.xiaozhi.pipeline.llm.turn.TurnRunner;
import io.xiaozhi.pipeline.llm.turn.TurnStore;
import java.time.Clock;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The LLM stage's worker: a {@link ChatModel} and what a turn needs around it (prompts, history, device
 * tools, the store of turns waiting for tools), wired into one {@link LlmHandler}. Closing it writes
 * the chat history still queued and releases the model.
 */
public final class LlmWorker implements Worker {

    private final ChatModel model;
    private final ChatHistoryWriter historyWriter;
    private final LlmHandler handler;
    private final LlmMetrics metrics;

    /**
     * @param database the relational database, asked for lazily (prompts and durable history); its
     *                 failures are logged and counted, never fail a turn
     * @param ttsTopic where sentences go (the TTS stage's request topic)
     */
    public LlmWorker(ChatModel model, KeyValueStore keyValues, Supplier<DataSource> database, LlmSettings settings, MeterRegistry meters,
                     Clock clock, String ttsTopic) {
        this.model = model;
        this.metrics = new LlmMetrics(meters);
        ProviderMetrics providerMetrics = new ProviderMetrics(meters);
        TurnStore store = new TurnStore(keyValues, settings.turnStateTtl());
        ServerTools serverTools = new ServerTools(clock, settings.timeZone());
        TurnRunner runner = new TurnRunner(model, store, new DeviceToolCatalog(keyValues, metrics), serverTools, settings.maxToolRounds(),
                metrics, providerMetrics, clock);
        this.historyWriter = new ChatHistoryWriter(database, metrics, settings.historyQueue(), settings.historyBatch(),
                settings.historyFlush());
        this.handler = new LlmHandler(runner, store,
                new SystemPrompts(database, settings.defaultSystemPrompt(), settings.agentCacheTtl(), clock, metrics),
                new ConversationHistory(keyValues, settings.historyTurns(), settings.historyTtl(), metrics),
                historyWriter, metrics, clock, ttsTopic);
    }

    @Override
    public StageHandler handler() {
        return handler;
    }

    public ChatModel model() {
        return model;
    }

    public LlmMetrics metrics() {
        return metrics;
    }

    /** Writes the chat history queued so far, now (for tests and orderly stops). */
    public void flushHistory() {
        historyWriter.flush();
    }

    @Override
    public void close() {
        historyWriter.close();
        model.close();
    }
}
