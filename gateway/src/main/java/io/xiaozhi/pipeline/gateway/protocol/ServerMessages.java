package io.xiaozhi.pipeline.gateway.protocol;

import io.xiaozhi.pipeline.common.text.Emotions;

import io.xiaozhi.pipeline.common.text.Emotion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * The JSON text messages the server sends to a device, written exactly as the firmware expects them.
 * Arguments are checked: a {@code null} or blank required value is an {@link IllegalArgumentException}
 * or a {@link NullPointerException}, never a message with a missing field.
 */
public final class ServerMessages {

    private ServerMessages() {
    }

    /** The server hello announcing the downlink audio. */
    public static String hello(String sessionId, AudioParams downlink) {
        Objects.requireNonNull(downlink, "downlink");
        ObjectNode message = typed("hello");
        message.put("transport", "websocket");
        message.put("session_id", required(sessionId, "sessionId"));
        ObjectNode audio = message.putObject("audio_params");
        audio.put("format", downlink.format());
        audio.put("sample_rate", downlink.sampleRate());
        audio.put("channels", downlink.channels());
        audio.put("frame_duration", downlink.frameDuration());
        return write(message);
    }

    /** The server hello with {@link AudioParams#SERVER_DEFAULT}. */
    public static String hello(String sessionId) {
        return hello(sessionId, AudioParams.SERVER_DEFAULT);
    }

    /** What the user said. */
    public static String stt(String sessionId, String text) {
        ObjectNode message = typed("stt");
        message.put("text", Objects.requireNonNull(text, "text"));
        message.put("session_id", required(sessionId, "sessionId"));
        return write(message);
    }

    /** Speech starts; the device plays audio only after this. */
    public static String ttsStart(String sessionId) {
        return tts("start", sessionId);
    }

    /** One sentence starts; its audio follows. */
    public static String ttsSentenceStart(String sessionId, String text) {
        ObjectNode message = typed("tts");
        message.put("state", "sentence_start");
        message.put("text", Objects.requireNonNull(text, "text"));
        message.put("session_id", required(sessionId, "sessionId"));
        return write(message);
    }

    /** Speech is over. */
    public static String ttsStop(String sessionId) {
        return tts("stop", sessionId);
    }

    /** The turn's emotion: {@code text} is the emoji, {@code emotion} its firmware name. */
    public static String llm(String sessionId, String emoji, Emotion emotion) {
        Objects.requireNonNull(emotion, "emotion");
        ObjectNode message = typed("llm");
        message.put("text", required(emoji, "emoji"));
        message.put("emotion", emotion.wireName());
        message.put("session_id", required(sessionId, "sessionId"));
        return write(message);
    }

    /** The turn's emotion from the leading emoji of a reply. */
    public static String llm(String sessionId, Emotions.Leading leading) {
        return llm(sessionId, leading.emoji(), leading.emotion());
    }

    /** An alert shown on the device; all three fields are required. */
    public static String alert(String status, String message, Emotion emotion) {
        Objects.requireNonNull(emotion, "emotion");
        ObjectNode alert = typed("alert");
        alert.put("status", required(status, "status"));
        alert.put("message", required(message, "message"));
        alert.put("emotion", emotion.wireName());
        return write(alert);
    }

    /** A JSON-RPC message for the device's MCP server. */
    public static String mcp(JsonNode payload) {
        Objects.requireNonNull(payload, "payload");
        if (!payload.isObject()) {
            throw new IllegalArgumentException("an MCP payload is a JSON object");
        }
        ObjectNode message = typed("mcp");
        message.set("payload", payload);
        return write(message);
    }

    /** A system command, such as {@code reboot}. */
    public static String system(String command) {
        ObjectNode message = typed("system");
        message.put("command", required(command, "command"));
        return write(message);
    }

    /** The answer to a ping. */
    public static String pong(long timestampMs) {
        ObjectNode message = typed("pong");
        message.put("timestamp", timestampMs);
        return write(message);
    }

    private static String tts(String state, String sessionId) {
        ObjectNode message = typed("tts");
        message.put("state", state);
        message.put("session_id", required(sessionId, "sessionId"));
        return write(message);
    }

    private static ObjectNode typed(String type) {
        ObjectNode message = ProtocolJson.MAPPER.createObjectNode();
        message.put("type", type);
        return message;
    }

    private static String required(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    private static String write(ObjectNode message) {
        try {
            return ProtocolJson.MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
