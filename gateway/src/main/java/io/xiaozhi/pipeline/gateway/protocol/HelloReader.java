package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Reads a device hello, tolerating missing parts and the old spellings of {@code audio_params}. */
final class HelloReader {

    private static final String[] AUDIO_PARAMS_NAMES = {"audio_params", "audioParams", "audio-params"};
    private static final int MAX_SAMPLE_RATE = 192_000;
    private static final int MAX_CHANNELS = 8;
    private static final int MAX_FRAME_DURATION = 1_000;

    private HelloReader() {
    }

    static DeviceMessage.Hello read(ObjectNode message, String sessionId) throws JsonFields.FieldException {
        int version = JsonFields.integer(message, "version").orElse(1);
        String transport = JsonFields.text(message, "transport").orElse("websocket");
        DeviceMessage.Features features = features(JsonFields.object(message, "features"));
        AudioParams audio = audioParams(message);
        return new DeviceMessage.Hello(sessionId, version, features, transport, audio);
    }

    private static DeviceMessage.Features features(Optional<ObjectNode> features) throws JsonFields.FieldException {
        if (features.isEmpty()) {
            return DeviceMessage.Features.NONE;
        }
        ObjectNode node = features.get();
        boolean mcp = JsonFields.flag(node, "mcp").orElse(false);
        boolean aec = JsonFields.flag(node, "aec").orElse(false);
        Map<String, JsonNode> all = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> all.put(entry.getKey(), entry.getValue()));
        return new DeviceMessage.Features(mcp, aec, all);
    }

    private static AudioParams audioParams(ObjectNode message) throws JsonFields.FieldException {
        for (String name : AUDIO_PARAMS_NAMES) {
            Optional<ObjectNode> params = JsonFields.object(message, name);
            if (params.isPresent()) {
                return audioParams(params.get(), name);
            }
        }
        return AudioParams.DEVICE_DEFAULT;
    }

    private static AudioParams audioParams(ObjectNode params, String name) throws JsonFields.FieldException {
        AudioParams fallback = AudioParams.DEVICE_DEFAULT;
        String format = JsonFields.text(params, "format").orElse(fallback.format());
        int sampleRate = either(params, "sample_rate", "sampleRate", fallback.sampleRate());
        int channels = JsonFields.integer(params, "channels").orElse(fallback.channels());
        int frameDuration = either(params, "frame_duration", "frameDuration", fallback.frameDuration());
        check(name + ".sample_rate", sampleRate, MAX_SAMPLE_RATE);
        check(name + ".channels", channels, MAX_CHANNELS);
        check(name + ".frame_duration", frameDuration, MAX_FRAME_DURATION);
        return new AudioParams(format, sampleRate, channels, frameDuration);
    }

    private static int either(ObjectNode params, String snake, String camel, int fallback) throws JsonFields.FieldException {
        var value = JsonFields.integer(params, snake);
        return value.isPresent() ? value.getAsInt() : JsonFields.integer(params, camel).orElse(fallback);
    }

    private static void check(String field, int value, int max) throws JsonFields.FieldException {
        if (value <= 0 || value > max) {
            throw new JsonFields.FieldException(BadInputReason.INVALID_FIELD_VALUE, field + " = " + value + " outside 1.." + max);
        }
    }
}
