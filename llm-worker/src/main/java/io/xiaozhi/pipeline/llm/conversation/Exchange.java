package io.xiaozhi.pipeline.llm.conversation;

import java.util.Objects;

/** One turn of a conversation as the hot history keeps it: what the user said and what the assistant answered. */
public record Exchange(String turnId, String user, String assistant) {

    public Exchange {
        Objects.requireNonNull(turnId, "turnId");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(assistant, "assistant");
    }
}
