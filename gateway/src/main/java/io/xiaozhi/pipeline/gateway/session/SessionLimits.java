package io.xiaozhi.pipeline.gateway.session;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.time.Duration;

/**
 * How long a session may stay without hello, without voice, and without anything at all
 * ({@code server.connection_timeout}, {@code server.close_no_voice_seconds}, {@code server.close_idle_seconds}).
 */
public record SessionLimits(Duration helloTimeout, Duration closeNoVoice, Duration closeIdle, Duration toolCallTimeout) {

    /** How long a device may take to answer a tool call (the reference server's 30 s). */
    public static final Duration TOOL_CALL_TIMEOUT = Duration.ofSeconds(30);

    public static SessionLimits of(PerformanceConfig.ServerLimits server) {
        return new SessionLimits(Duration.ofSeconds(server.connectionTimeout()), Duration.ofSeconds(server.closeNoVoiceSeconds()),
                Duration.ofSeconds(server.closeIdleSeconds()), TOOL_CALL_TIMEOUT);
    }
}
