package io.xiaozhi.pipeline.loadtest.providers;

/**
 * How the {@link ProviderSimulator} behaves. Times are means in milliseconds; each request's delay is
 * drawn uniformly from {@code mean × (1 ± jitter)}.
 *
 * @param host the address to listen on
 * @param port the port ({@code 0} picks a free one)
 * @param asrMs mean time to answer a transcription
 * @param jitter relative spread of every delay, in [0, 1]
 * @param asrText the transcription's fixed answer
 * @param llmFirstTokenMs mean time to the first token of a chat completion
 * @param llmTokensPerSecond tokens per second after the first
 * @param llmAnswer the chat completion's fixed answer, streamed one word per token
 * @param visionMs mean time to answer a chat completion with an image
 * @param visionAnswer the fixed answer to a request with an image
 * @param ttsRealTimeFactor time to produce speech over the speech's duration
 * @param ttsCharsPerSecond speaking rate: the speech lasts {@code characters / rate} seconds
 * @param toneHz the frequency of the tone spoken, {@code 0} for silence
 * @param errorRate429 share of requests answered {@code 429}
 * @param errorRate500 share of requests answered {@code 500}
 * @param maxThreads the most requests served at once
 */
public record SimulatorSettings(String host, int port, double asrMs, double jitter, String asrText, double llmFirstTokenMs,
                                double llmTokensPerSecond, String llmAnswer, double visionMs, String visionAnswer,
                                double ttsRealTimeFactor, double ttsCharsPerSecond, double toneHz, double errorRate429,
                                double errorRate500, int maxThreads) {

    public static final String DEFAULT_ASR_TEXT = "what time is it";
    public static final String DEFAULT_LLM_ANSWER = "It is a quarter past ten. Is there anything else I can do for you?";
    public static final String DEFAULT_VISION_ANSWER = "I see a desk with a laptop and a cup of coffee.";

    public SimulatorSettings {
        requireNonNegative(asrMs, "asr-ms");
        requireNonNegative(llmFirstTokenMs, "llm-first-token-ms");
        requireNonNegative(visionMs, "vision-ms");
        requireNonNegative(ttsRealTimeFactor, "tts-rtf");
        requireNonNegative(toneHz, "tts-tone-hz");
        requireShare(jitter, "jitter");
        requireShare(errorRate429, "error-rate-429");
        requireShare(errorRate500, "error-rate-500");
        if (errorRate429 + errorRate500 > 1) {
            throw new IllegalArgumentException("error-rate-429 + error-rate-500 exceed 1");
        }
        if (!(llmTokensPerSecond > 0)) {
            throw new IllegalArgumentException("llm-tokens-per-s must be positive, not " + llmTokensPerSecond);
        }
        if (!(ttsCharsPerSecond > 0)) {
            throw new IllegalArgumentException("tts-chars-per-s must be positive, not " + ttsCharsPerSecond);
        }
        if (maxThreads < 8) {
            throw new IllegalArgumentException("max-threads must be at least 8, not " + maxThreads);
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (asrText == null || llmAnswer == null || llmAnswer.isBlank() || visionAnswer == null || visionAnswer.isBlank()) {
            throw new IllegalArgumentException("the fixed answers must not be empty");
        }
    }

    /** The benchmark profile of the project's scenario 2: ASR 300 ms, first token 400 ms at 30 tokens/s, TTS at 0.1. */
    public static SimulatorSettings defaults(int port) {
        return new SimulatorSettings("0.0.0.0", port, 300, 0.2, DEFAULT_ASR_TEXT, 400, 30, DEFAULT_LLM_ANSWER, 800,
                DEFAULT_VISION_ANSWER, 0.1, 15, 440, 0, 0, 1_000);
    }

    private static void requireNonNegative(double value, String name) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(name + " must not be negative, not " + value);
        }
    }

    private static void requireShare(double value, String name) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must lie in [0, 1], not " + value);
        }
    }
}
