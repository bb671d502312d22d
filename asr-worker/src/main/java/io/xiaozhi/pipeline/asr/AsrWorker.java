package io.xiaozhi.pipeline.asr;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.Worker;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speech-to-text stage's worker: an {@link AsrHandler} around the recognizer chosen by
 * {@code providers.asr.type} — {@link SphinxSpeechRecognizer} (CMU Sphinx4, offline) for
 * {@code offline}, {@link OpenAiSpeechRecognizer} for {@code openai} — sending transcripts on to
 * {@code xiaozhi.llm.requests}. Closing it frees the recognizer's models.
 */
public final class AsrWorker implements Worker {

    private static final Logger LOG = LoggerFactory.getLogger(AsrWorker.class);

    private final SpeechRecognizer recognizer;
    private final AsrHandler handler;

    public AsrWorker(SpeechRecognizer recognizer, AsrHandler handler) {
        this.recognizer = recognizer;
        this.handler = handler;
    }

    /** The {@link io.xiaozhi.pipeline.common.service.WorkerFactory} of the speech-to-text stage. */
    public static AsrWorker create(ServiceContext context) throws IOException {
        return create(context, Topics.requests(Stage.LLM));
    }

    /** The worker, sending transcripts to {@code llmTopic} (tests use topics of their own). */
    public static AsrWorker create(ServiceContext context, String llmTopic) throws IOException {
        ServiceConfig.Provider config = context.settings().config().providers().asr();
        SpeechRecognizer recognizer = switch (config.type()) {
            case OFFLINE -> {
                int maxConcurrent = context.settings().performance().aiProviders().asr().maxConcurrent();
                int capacity = SphinxSpeechRecognizer.capacityFor(maxConcurrent, Runtime.getRuntime().maxMemory());
                if (capacity < maxConcurrent) {
                    LOG.warn("{}: ai_providers.asr.max_concurrent is {} but the heap ({} MB) holds {} Sphinx4 recognizer(s) of ~150 MB;"
                            + " utterances beyond that wait for a free one (raise -Xmx to run more)", context.service(), maxConcurrent,
                            Runtime.getRuntime().maxMemory() >> 20, capacity);
                }
                yield new SphinxSpeechRecognizer(SphinxTuning.DEFAULT, capacity, context.meters());
            }
            case OPENAI -> new OpenAiSpeechRecognizer(new OpenAiEndpoint(Stage.ASR.id(), config, OpenAiEndpoint.defaultClient(),
                    new ProviderMetrics(context.meters())));
        };
        LOG.info("{}: speech recognizer {}", context.service(), recognizer.description());
        AsrMetrics metrics = new AsrMetrics(context.meters(), recognizer.tag());
        return new AsrWorker(recognizer, new AsrHandler(recognizer, metrics, llmTopic, context.clock()));
    }

    public SpeechRecognizer recognizer() {
        return recognizer;
    }

    @Override
    public StageHandler handler() {
        return handler;
    }

    @Override
    public void close() {
        recognizer.close();
    }
}
