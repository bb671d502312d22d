package io.xiaozhi.pipeline.llm.tools;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.llm.model.ToolSpec;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The tools this worker answers itself, without the device: {@value #GET_TIME} (the current date and
 * time in the configured time zone) and {@value #END_CONVERSATION} (the user said goodbye: the
 * connection is closed once the farewell has been spoken).
 */
public final class ServerTools {

    public static final String GET_TIME = "get_time";
    public static final String END_CONVERSATION = "end_conversation";

    /** What the model is told after it ended the conversation. */
    static final String END_CONVERSATION_RESULT = "The conversation will end after this reply. Say a short goodbye.";

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /** The result of a server tool, and whether the conversation ends after this turn. */
    public record Result(String text, boolean endsConversation) {
    }

    private final Clock clock;
    private final ZoneId zone;

    public ServerTools(Clock clock, ZoneId zone) {
        this.clock = clock;
        this.zone = zone;
    }

    public ZoneId zone() {
        return zone;
    }

    public List<ToolSpec> specs() {
        return List.of(
                new ToolSpec(GET_TIME, "Get the current date, day of the week and time, with the time zone.", noParameters()),
                new ToolSpec(END_CONVERSATION, "End the conversation when the user says goodbye or wants to stop talking. "
                        + "Call it, then say a short farewell.", noParameters()));
    }

    public boolean has(String name) {
        return name.equals(GET_TIME) || name.equals(END_CONVERSATION);
    }

    /** Runs the server tool {@code name}; empty when there is no such tool. */
    public Optional<Result> call(String name) {
        return switch (name) {
            case GET_TIME -> Optional.of(new Result(now(), false));
            case END_CONVERSATION -> Optional.of(new Result(END_CONVERSATION_RESULT, true));
            default -> Optional.empty();
        };
    }

    private String now() {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
        return DATE_TIME.format(now) + ", " + now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH)
                + " (time zone " + zone.getId() + ", UTC" + (now.getOffset().getTotalSeconds() == 0 ? "" : now.getOffset().getId()) + ")";
    }

    private static ObjectNode noParameters() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", "object");
        schema.putObject("properties");
        return schema;
    }
}
