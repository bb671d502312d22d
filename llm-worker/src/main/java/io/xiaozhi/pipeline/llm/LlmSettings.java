package io.xiaozhi.pipeline.llm;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;

/**
 * The llm-worker's own settings: the conversation from {@code config.yaml}'s {@code llm} section
 * ({@link #from}); the durable-history batching, the saved turn state and the prompt cache at the
 * defaults fixed here.
 *
 * @param defaultSystemPrompt the persona of a device without an agent
 * @param historyTurns the exchanges (user and assistant) kept in the hot history per device, 1..100
 * @param historyTtl how long the hot history outlives the last turn
 * @param maxToolRounds model rounds with tools per turn; after them the model is asked once more without tools
 * @param turnStateTtl how long a turn waiting for a device tool keeps its saved state
 * @param agentCacheTtl how long a device's system prompt is cached in the process
 * @param timeZone the zone of {@code get_time} and of the offline responder's clock
 * @param historyQueue rows of chat history that may wait to be written; more are dropped and counted
 * @param historyBatch rows written in one JDBC batch at most
 * @param historyFlush how long a row waits at most before its batch is written
 */
public record LlmSettings(String defaultSystemPrompt, int historyTurns, Duration historyTtl, int maxToolRounds,
                          Duration turnStateTtl, Duration agentCacheTtl, ZoneId timeZone, int historyQueue, int historyBatch,
                          Duration historyFlush) {

    /** The persona of a device that has no agent. */
    public static final String DEFAULT_SYSTEM_PROMPT = String.join("\n",
            "You are Xiaozhi (小智), a friendly voice assistant speaking through a small device.",
            "Your replies are spoken aloud: keep them short (one to three sentences), conversational, and without",
            "Markdown, lists, code or links. You may start a reply with one emoji that shows your mood; use no other emoji.",
            "Reply in the language the user speaks.",
            "Use the tools you are offered when they help: to read the time, to control the device, and to end the",
            "conversation when the user says goodbye (then say a short farewell).",
            "If you hear only a greeting or your wake word, greet the user briefly and offer help.");

    public LlmSettings {
        Objects.requireNonNull(defaultSystemPrompt, "defaultSystemPrompt");
        Objects.requireNonNull(timeZone, "timeZone");
        if (historyTurns < 1 || historyTurns > 100) {
            throw new IllegalArgumentException("historyTurns must be 1..100, not " + historyTurns);
        }
        if (maxToolRounds < 0 || maxToolRounds > 20) {
            throw new IllegalArgumentException("maxToolRounds must be 0..20, not " + maxToolRounds);
        }
        if (historyQueue < 1 || historyBatch < 1) {
            throw new IllegalArgumentException("historyQueue and historyBatch must be positive");
        }
        requirePositive(historyTtl, "historyTtl");
        requirePositive(turnStateTtl, "turnStateTtl");
        requirePositive(agentCacheTtl, "agentCacheTtl");
        requirePositive(historyFlush, "historyFlush");
    }

    /** The defaults: 10 exchanges kept 24 h, 5 tool rounds, 5 min of turn state, 60 s of prompt cache. */
    public static LlmSettings defaults() {
        return new LlmSettings(DEFAULT_SYSTEM_PROMPT, 10, Duration.ofHours(24), 5, Duration.ofMinutes(5), Duration.ofSeconds(60),
                ZoneId.systemDefault(), 10_000, 100, Duration.ofSeconds(1));
    }

    /** The {@code llm} section of {@code config.yaml} over the defaults. */
    public static LlmSettings from(ServiceConfig.Llm llm) {
        LlmSettings defaults = defaults();
        return new LlmSettings(llm.systemPrompt().isBlank() ? DEFAULT_SYSTEM_PROMPT : llm.systemPrompt(), llm.historyTurns(),
                Duration.ofHours(llm.historyTtlHours()), llm.maxToolRounds(), defaults.turnStateTtl(), defaults.agentCacheTtl(),
                llm.timeZone().isBlank() ? ZoneId.systemDefault() : ZoneId.of(llm.timeZone()), defaults.historyQueue(),
                defaults.historyBatch(), defaults.historyFlush());
    }

    public LlmSettings withMaxToolRounds(int rounds) {
        return new LlmSettings(defaultSystemPrompt, historyTurns, historyTtl, rounds, turnStateTtl, agentCacheTtl, timeZone,
                historyQueue, historyBatch, historyFlush);
    }

    public LlmSettings withTimeZone(ZoneId zone) {
        return new LlmSettings(defaultSystemPrompt, historyTurns, historyTtl, maxToolRounds, turnStateTtl, agentCacheTtl, zone,
                historyQueue, historyBatch, historyFlush);
    }

    public LlmSettings withHistory(int turns, int queue, int batch, Duration flush) {
        return new LlmSettings(defaultSystemPrompt, turns, historyTtl, maxToolRounds, turnStateTtl, agentCacheTtl, timeZone,
                queue, batch, flush);
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, not " + duration);
        }
    }
}
