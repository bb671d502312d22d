package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.Worker;
import io.xiaozhi.pipeline.tts.provider.FreeTtsSpeech;
import io.xiaozhi.pipeline.tts.provider.FreeTtsVoices;
import io.xiaozhi.pipeline.tts.provider.OpenAiSpeech;
import io.xiaozhi.pipeline.tts.provider.SpeechSynthesizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TTS stage's worker: the provider chosen by {@code providers.tts.type} behind a
 * {@link TtsHandler}. {@code offline}: FreeTTS {@code kevin16}, one voice per
 * {@code ai_providers.tts.max_concurrent} (at most {@value #MAX_OFFLINE_VOICES}); {@code openai}: an
 * OpenAI-compatible {@code audio/speech} API.
 */
public final class TtsWorker implements Worker {

    private static final Logger LOG = LoggerFactory.getLogger(TtsWorker.class);
    /**
     * Most FreeTTS voices allocated, whatever {@code max_concurrent} says: each holds about 6 MB, and
     * one speaks a sentence in milliseconds, so further callers wait briefly for a free voice instead.
     */
    static final int MAX_OFFLINE_VOICES = 16;

    private final SpeechSynthesizer synthesizer;
    private final TtsHandler handler;

    public TtsWorker(SpeechSynthesizer synthesizer, TtsHandler handler) {
        this.synthesizer = synthesizer;
        this.handler = handler;
    }

    /** The worker as configured; throws naming the {@code config.yaml} key if the provider cannot be set up. */
    public static TtsWorker create(ServiceContext context) {
        return create(context, TtsOptions.from(context.settings().config().tts()));
    }

    static TtsWorker create(ServiceContext context, TtsOptions options) {
        Settings settings = context.settings();
        ServiceConfig.Provider provider = settings.config().providers().tts();
        PerformanceConfig.AiProviders limits = settings.performance().aiProviders();
        SpeechSynthesizer synthesizer = switch (provider.type()) {
            case OFFLINE -> offline(provider, limits.tts());
            case OPENAI -> new OpenAiSpeech(
                    new OpenAiEndpoint(Stage.TTS.id(), provider, OpenAiEndpoint.defaultClient(), new ProviderMetrics(context.meters())),
                    provider.voice(), provider.apiKey(), options.responseFormat(), options.pcmSampleRate(), options.maxResponseBytes());
        };
        TtsHandler handler = new TtsHandler(synthesizer, options, limits.retry(), Topics.deadLetters(Stage.TTS),
                new TtsMetrics(context.meters()), () -> context.clock().millis());
        LOG.info("tts worker: {}, Opus complexity {} at {} bit/s", synthesizer.describe(), options.opusComplexity(), options.opusBitrate());
        return new TtsWorker(synthesizer, handler);
    }

    private static SpeechSynthesizer offline(ServiceConfig.Provider provider, PerformanceConfig.StageLimits limits) {
        String voice = provider.voice() == null ? "" : provider.voice().strip();
        if (!voice.isEmpty() && !voice.equals(FreeTtsVoices.VOICE)) {
            throw new IllegalArgumentException("providers.tts.voice: the offline provider has only the voice "
                    + FreeTtsVoices.VOICE + ", not '" + voice + "'");
        }
        long start = System.nanoTime();
        FreeTtsVoices voices = new FreeTtsVoices(Math.min(limits.maxConcurrent(), MAX_OFFLINE_VOICES));
        LOG.info("tts worker: {} FreeTTS voices allocated in {} ms", voices.size(), (System.nanoTime() - start) / 1_000_000);
        return new FreeTtsSpeech(voices);
    }

    public SpeechSynthesizer synthesizer() {
        return synthesizer;
    }

    @Override
    public StageHandler handler() {
        return handler;
    }

    @Override
    public void close() {
        synthesizer.close();
    }
}
