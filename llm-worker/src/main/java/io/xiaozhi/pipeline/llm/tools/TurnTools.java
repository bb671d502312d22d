package io.xiaozhi.pipeline.llm.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import io.xiaozhi.pipeline.llm.model.ToolSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tools offered to the model in one round of a turn (the device's, under their LLM names, and
 * the server's) and the way back from a call the model makes to what is done about it. A device tool
 * whose LLM name is also a server tool's is left out.
 */
public final class TurnTools {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, DeviceTool> deviceTools = new LinkedHashMap<>();
    private final ServerTools serverTools;
    private final List<ToolSpec> offered;

    private TurnTools(List<DeviceTool> devices, ServerTools serverTools, boolean offer) {
        this.serverTools = serverTools;
        for (DeviceTool tool : devices) {
            if (!serverTools.has(tool.llmName())) {
                deviceTools.putIfAbsent(tool.llmName(), tool);
            }
        }
        List<ToolSpec> specs = new ArrayList<>();
        if (offer) {
            for (DeviceTool tool : deviceTools.values()) {
                specs.add(new ToolSpec(tool.llmName(), tool.description(), tool.inputSchema()));
            }
            specs.addAll(serverTools.specs());
        }
        this.offered = List.copyOf(specs);
    }

    /** The device's tools and the server's, all offered. */
    public static TurnTools of(List<DeviceTool> devices, ServerTools serverTools) {
        return new TurnTools(devices, serverTools, true);
    }

    /** Nothing offered (the turn's last round must answer in text). */
    public static TurnTools none(ServerTools serverTools) {
        return new TurnTools(List.of(), serverTools, false);
    }

    public List<ToolSpec> offered() {
        return offered;
    }

    /** Decides what to do with {@code call}: run a server tool, call the device, or tell the model why not. */
    public ToolResolution resolve(ToolCall call) {
        if (serverTools.has(call.name())) {
            ServerTools.Result result = serverTools.call(call.name()).orElseThrow();
            return new ToolResolution.Server(result.text(), result.endsConversation());
        }
        DeviceTool tool = deviceTools.get(call.name());
        if (tool == null) {
            List<String> names = offered.stream().map(ToolSpec::name).toList();
            return new ToolResolution.Rejected("Error: there is no tool named '" + call.name() + "'. Available tools: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)) + ".", "unknown_tool");
        }
        Optional<JsonNode> arguments = parse(call.argumentsJson());
        if (arguments.isEmpty()) {
            return new ToolResolution.Rejected("Error: the arguments of " + call.name() + " are not JSON.", "bad_arguments");
        }
        Optional<String> problem = SchemaCheck.problem(tool.inputSchema(), arguments.get());
        if (problem.isPresent()) {
            return new ToolResolution.Rejected("Error: the call was not made: " + problem.get() + ". The tool's input schema is "
                    + tool.inputSchema() + ".", "bad_arguments");
        }
        return new ToolResolution.Device(tool.name(), arguments.get());
    }

    private static Optional<JsonNode> parse(String json) {
        if (json.isBlank()) {
            return Optional.of(JSON.createObjectNode());
        }
        try {
            return Optional.of(JSON.readTree(json));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
