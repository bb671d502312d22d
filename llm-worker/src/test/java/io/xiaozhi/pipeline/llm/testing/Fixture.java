package io.xiaozhi.pipeline.llm.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.llm.LlmSettings;
import io.xiaozhi.pipeline.llm.LlmWorker;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.tools.DeviceToolCatalog;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import javax.sql.DataSource;

/** Workers for tests, and the device tools the gateway would store. */
public final class Fixture {

    public static final String TTS_TOPIC = "tts-requests";
    public static final String DOWNLINK = "xiaozhi.downlink.test";
    public static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixture() {
    }

    public static LlmSettings settings() {
        return LlmSettings.defaults().withTimeZone(ZONE).withHistory(10, 1000, 100, Duration.ofMillis(200));
    }

    public static LlmWorker worker(ChatModel model, KeyValueStore store, DataSource database, Clock clock) {
        return worker(model, store, database, clock, settings());
    }

    public static LlmWorker worker(ChatModel model, KeyValueStore store, DataSource database, Clock clock, LlmSettings settings) {
        return new LlmWorker(model, store, () -> database, settings, new SimpleMeterRegistry(), clock, TTS_TOPIC);
    }

    /** The volume tool of a Xiaozhi device, with its schema. */
    public static ObjectNode volumeTool() {
        return tool("self.audio_speaker.set_volume", "self_audio_speaker_set_volume", "Set the volume of the audio speaker (0-100).",
                "volume");
    }

    public static ObjectNode brightnessTool() {
        return tool("self.screen.set_brightness", "self_screen_set_brightness", "Set the brightness of the screen (0-100).", "brightness");
    }

    /** The firmware's camera: {@code self.camera.take_photo} with a required string {@code question}. */
    public static ObjectNode cameraTool() {
        ObjectNode tool = JSON.createObjectNode();
        tool.put("name", "self.camera.take_photo");
        tool.put("llm_name", "self_camera_take_photo");
        tool.put("description", "Take a photo and explain it; use when the user asks to see something.");
        ObjectNode schema = tool.putObject("input_schema");
        schema.put("type", "object");
        schema.putObject("properties").putObject("question").put("type", "string");
        schema.putArray("required").add("question");
        return tool;
    }

    public static ObjectNode statusTool() {
        ObjectNode tool = JSON.createObjectNode();
        tool.put("name", "self.get_device_status");
        tool.put("llm_name", "self_get_device_status");
        tool.put("description", "The device's current status: volume, brightness, battery, network.");
        ObjectNode schema = tool.putObject("input_schema");
        schema.put("type", "object");
        schema.putObject("properties");
        return tool;
    }

    private static ObjectNode tool(String name, String llmName, String description, String property) {
        ObjectNode tool = JSON.createObjectNode();
        tool.put("name", name);
        tool.put("llm_name", llmName);
        tool.put("description", description);
        ObjectNode schema = tool.putObject("input_schema");
        schema.put("type", "object");
        ObjectNode level = schema.putObject("properties").putObject(property);
        level.put("type", "integer");
        level.put("minimum", 0);
        level.put("maximum", 100);
        schema.putArray("required").add(property);
        return tool;
    }

    /** Stores {@code tools} for {@code session} as the gateway's DeviceToolStore does. */
    public static void storeTools(KeyValueStore store, String session, ObjectNode... tools) {
        ArrayNode array = JSON.createArrayNode();
        for (ObjectNode tool : tools) {
            array.add(tool);
        }
        store.set(DeviceToolCatalog.key(session), array.toString(), Duration.ofMinutes(10));
    }
}
