package io.xiaozhi.pipeline.common.config;

import java.util.List;

import io.xiaozhi.pipeline.common.Stage;
import java.time.Duration;

/**
 * {@code performance.yaml}: limits and pools. Defaults (in the shipped template) are those of the
 * original performance work on the reference server.
 */
public record PerformanceConfig(ServerLimits server, AiProviders aiProviders, DatabasePools database, Monitoring monitor) {

    /** {@code server}: connection limits of the gateway, and how long a turn may take. */
    public record ServerLimits(
            @Range(min = 1, max = 1_000_000) int maxConnections,
            @Range(min = 1, max = 3600) int connectionTimeout,
            @Range(min = 1, max = 600) int turnTimeout,
            @Range(min = 10, max = 86_400) int closeNoVoiceSeconds,
            @Range(min = 10, max = 86_400) int closeIdleSeconds) {

        public Duration connectionTimeoutDuration() {
            return Duration.ofSeconds(connectionTimeout);
        }

        /** From the end of speech to the deadline of every request of the turn. */
        public Duration turnTimeoutDuration() {
            return Duration.ofSeconds(turnTimeout);
        }
    }

    /** {@code ai_providers}: one block of limits per stage, and the retry policy they share. */
    public record AiProviders(StageLimits llm, StageLimits tts, StageLimits asr, StageLimits vllm, RetryPolicy retry) {

        public StageLimits of(Stage stage) {
            return switch (stage) {
                case ASR -> asr;
                case LLM -> llm;
                case TTS -> tts;
                case VLLM -> vllm;
            };
        }
    }

    /**
     * Limits of one stage. At most {@code max_concurrent} requests are in flight per worker process,
     * shared by its {@code consumers} consumer threads;
     * {@code queue_size} bounds the topic lag the gateway admits; {@code timeout} (seconds) bounds each provider call.
     */
    public record StageLimits(
            @Range(min = 1, max = 10_000) int maxConcurrent,
            @Range(min = 0, max = 1_000_000) int queueSize,
            @Range(min = 1, max = 3600) int timeout,
            @Range(min = 1, max = 256) int consumers) {

        public Duration timeoutDuration() {
            return Duration.ofSeconds(timeout);
        }
    }

    /** {@code ai_providers.retry}: exponential backoff with jitter for retryable provider failures. */
    public record RetryPolicy(
            @Range(min = 1, max = 20) int maxAttempts,
            @Range(min = 1, max = 60_000) int initialBackoffMs,
            @Range(min = 1, max = 600_000) int maxBackoffMs) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(maxBackoffMs >= initialBackoffMs, "max_backoff_ms", maxBackoffMs,
                    "must be at least initial_backoff_ms (" + initialBackoffMs + ")");
        }
    }

    /** {@code database}: pool sizes. */
    public record DatabasePools(MysqlPool mysql, RedisPool redis) {
    }

    /** {@code database.mysql}: HikariCP pool (max_wait in milliseconds). */
    public record MysqlPool(
            @Range(min = 1, max = 10_000) int maxActive,
            @Range(min = 0, max = 10_000) int minIdle,
            @Range(min = 0, max = 10_000) int initialSize,
            @Range(min = 250, max = 600_000) int maxWait) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(minIdle <= maxActive, "min_idle", minIdle, "must not exceed max_active (" + maxActive + ")");
            checker.require(initialSize <= maxActive, "initial_size", initialSize, "must not exceed max_active (" + maxActive + ")");
        }
    }

    /** {@code database.redis}: Lettuce connection pool (timeout in milliseconds). */
    public record RedisPool(
            @Range(min = 1, max = 10_000) int maxActive,
            @Range(min = 0, max = 10_000) int maxIdle,
            @Range(min = 0, max = 10_000) int minIdle,
            @Range(min = 1, max = 600_000) int timeout) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            checker.require(maxIdle <= maxActive, "max_idle", maxIdle, "must not exceed max_active (" + maxActive + ")");
            checker.require(minIdle <= maxIdle, "min_idle", minIdle, "must not exceed max_idle (" + maxIdle + ")");
        }

        public Duration timeoutDuration() {
            return Duration.ofMillis(timeout);
        }
    }

    /** {@code monitor}: sampling interval (seconds) and alert thresholds. */
    public record Monitoring(
            @Range(min = 1, max = 3600) int interval,
            @Range(min = 1, max = 300) int lagInterval,
            @Range(min = 2, max = 3600) int lagWindowSeconds,
            @Range(min = 1, max = 3600) int drainTargetSeconds,
            @Range(min = 1, max = 3600) int windowSeconds,
            @Range(min = 1, max = 720) int historyHours,
            @Range(min = 1, max = 1440) int alertRepeatMinutes,
            @Range(min = 1, max = 100) int resolveWindows,
            List<String> webhooks,
            Thresholds thresholds) implements ConfigChecks {

        @Override
        public void check(Checker checker) {
            for (String url : webhooks) {
                checker.require(ServiceConfig.hasScheme(url, "http", "https"), "webhooks", url, "must be http:// or https:// URLs");
            }
            checker.require(lagWindowSeconds >= 2 * lagInterval, "lag_window_seconds", lagWindowSeconds,
                    "must be at least twice lag_interval (" + lagInterval + " s), to see a trend");
        }
    }

    /** {@code monitor.thresholds}: percentages, milliseconds and a connection count. */
    public record Thresholds(
            @Range(min = 1, max = 100) double cpu,
            @Range(min = 1, max = 100) double memory,
            @Range(min = 0, max = 100) double errorRate,
            @Range(min = 1, max = 3_600_000) int responseTimeMs,
            @Range(min = 1, max = 1_000_000) int activeConnections) {
    }
}
