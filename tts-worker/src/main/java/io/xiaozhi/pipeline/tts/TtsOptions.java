package io.xiaozhi.pipeline.tts;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.tts.audio.ChunkPlan;
import io.xiaozhi.pipeline.tts.provider.ResponseFormat;

/**
 * The TTS worker's own settings: Opus complexity and bit rate and what is asked of an
 * OpenAI-compatible speech API from {@code config.yaml}'s {@code tts} section ({@link #from}); how
 * audio is cut into records and the size limits at the defaults fixed here.
 *
 * @param opusComplexity Concentus encoder complexity, 0 (cheapest) to 10 (best)
 * @param opusBitrate bit/s of the 24 kHz downlink audio
 * @param chunks packets per audio record
 * @param responseFormat {@code response_format} asked of the speech API
 * @param pcmSampleRate the rate of a {@code pcm} answer
 * @param maxResponseBytes the largest speech answer read (more is a malformed answer)
 * @param maxTextChars the longest sentence sent to a provider (longer is failed without a call)
 */
public record TtsOptions(int opusComplexity, int opusBitrate, ChunkPlan chunks, ResponseFormat responseFormat, int pcmSampleRate,
                         int maxResponseBytes, int maxTextChars) {

    /**
     * 1.5 times the packets per second of complexity 10 at nearly its fidelity (decoded waveform SNR 9.9 dB
     * against 10.0; complexity 0 is 1.7 times faster again but drops to 9.1 dB): TtsBenchmark.
     */
    public static final int DEFAULT_OPUS_COMPLEXITY = 5;
    public static final int DEFAULT_OPUS_BITRATE = 24_000;
    /** OpenAI's {@code pcm}: 24 kHz. */
    public static final int DEFAULT_PCM_SAMPLE_RATE = 24_000;
    /** 10 MiB: 3.6 minutes of 24 kHz PCM, far beyond one sentence. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
    /** OpenAI's own limit for one speech request. */
    public static final int DEFAULT_MAX_TEXT_CHARS = 4096;

    public TtsOptions {
        if (opusComplexity < 0 || opusComplexity > 10) {
            throw new IllegalArgumentException("Opus complexity must be 0..10, not " + opusComplexity);
        }
        if (opusBitrate < 6_000 || opusBitrate > 510_000) {
            throw new IllegalArgumentException("Opus bit rate must be 6000..510000 bit/s, not " + opusBitrate);
        }
        if (maxTextChars < 1) {
            throw new IllegalArgumentException("the longest sentence must be at least 1 character, not " + maxTextChars);
        }
    }

    public static TtsOptions defaults() {
        return new TtsOptions(DEFAULT_OPUS_COMPLEXITY, DEFAULT_OPUS_BITRATE, ChunkPlan.DEFAULT, ResponseFormat.PCM,
                DEFAULT_PCM_SAMPLE_RATE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TEXT_CHARS);
    }

    /** The {@code tts} section of {@code config.yaml} over the defaults. */
    public static TtsOptions from(ServiceConfig.Tts tts) {
        ResponseFormat format = tts.responseFormat() == ServiceConfig.SpeechFormat.WAV ? ResponseFormat.WAV : ResponseFormat.PCM;
        return new TtsOptions(tts.opusComplexity(), tts.opusBitrate(), ChunkPlan.DEFAULT, format, tts.pcmSampleRate(),
                DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TEXT_CHARS);
    }

    public TtsOptions withResponseFormat(ResponseFormat format) {
        return new TtsOptions(opusComplexity, opusBitrate, chunks, format, pcmSampleRate, maxResponseBytes, maxTextChars);
    }

    public TtsOptions withOpusComplexity(int complexity) {
        return new TtsOptions(complexity, opusBitrate, chunks, responseFormat, pcmSampleRate, maxResponseBytes, maxTextChars);
    }

    public TtsOptions withMaxResponseBytes(int bytes) {
        return new TtsOptions(opusComplexity, opusBitrate, chunks, responseFormat, pcmSampleRate, bytes, maxTextChars);
    }
}
