package io.xiaozhi.pipeline.llm.conversation;

import java.util.Objects;

/**
 * One row of {@code chat_history}: a user's or the assistant's part of a turn, with the time the
 * stages took in milliseconds ({@code null} when not measured). {@code tts_first_audio_ms} is not the
 * language model's to know and stays NULL.
 */
public record HistoryRow(String deviceId, String sessionId, String turnId, String role, String content,
                         Integer asrMs, Integer llmFirstTokenMs, Integer llmMs, Integer totalMs) {

    public HistoryRow {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(turnId, "turnId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
