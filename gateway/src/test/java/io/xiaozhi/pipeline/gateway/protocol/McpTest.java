package io.xiaozhi.pipeline.gateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class McpTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final McpRequests requests = new McpRequests();

    @Test
    void initializeWithVision() {
        McpRequests.Request request = requests.initialize("http://host:8003/mcp/vision/explain", "tok", "xiaozhi-pipeline", "0.1.0");
        assertThat(request.id()).isEqualTo(1);
        assertThat(request.method()).isEqualTo("initialize");
        assertThat(wire(request)).isEqualTo(json("""
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05",
                 "capabilities":{"vision":{"url":"http://host:8003/mcp/vision/explain","token":"tok"}},
                 "clientInfo":{"name":"xiaozhi-pipeline","version":"0.1.0"}}}"""));
    }

    @Test
    void initializeWithoutVision() {
        assertThat(requests.initialize(null, null, "n", "v").payload().get("params").get("capabilities")).isEqualTo(json("{}"));
        assertThat(requests.initialize("u", null, "n", "v").payload().at("/params/capabilities/vision/token").asText("x")).isEmpty();
    }

    @Test
    void idsCountPerSession() {
        assertThat(requests.initialize(null, null, "n", "v").id()).isEqualTo(1);
        assertThat(requests.toolsList(null).id()).isEqualTo(2);
        assertThat(requests.toolsCall("self.get_device_status", null).id()).isEqualTo(3);
        assertThat(new McpRequests().toolsList(null).id()).isEqualTo(1);
        assertThat(requests.toolsList(null).payload().get("id").isIntegralNumber()).isTrue();
    }

    @Test
    void toolsListWithAndWithoutCursor() {
        assertThat(wire(requests.toolsList(null)))
                .isEqualTo(json("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}"));
        assertThat(requests.toolsList("").payload().get("params")).isEqualTo(json("{}"));
        assertThat(wire(requests.toolsList("page2")))
                .isEqualTo(json("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"cursor\":\"page2\"}}"));
    }

    @Test
    void toolsCall() {
        JsonNode arguments = json("{\"volume\":50}");
        McpRequests.Request request = requests.toolsCall("self.audio_speaker.set_volume", arguments);
        assertThat(wire(request)).isEqualTo(json("""
                {"jsonrpc":"2.0","id":1,"method":"tools/call",
                 "params":{"name":"self.audio_speaker.set_volume","arguments":{"volume":50}}}"""));
        assertThat(requests.toolsCall("x", null).payload().at("/params/arguments")).isEqualTo(json("{}"));
        assertThatThrownBy(() -> requests.toolsCall("x", json("[1]"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> requests.toolsCall("", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestIsSentInsideAnMcpMessage() {
        String message = ServerMessages.mcp(requests.toolsList(null).payload());
        assertThat(json(message)).isEqualTo(json(
                "{\"type\":\"mcp\",\"payload\":{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}}"));
    }

    @Test
    void successResponse() {
        ParseResult<McpResponse> parsed = McpResponses.parse(json("""
                {"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2024-11-05","capabilities":{"tools":{}},
                 "serverInfo":{"name":"bread-compact-wifi","version":"1.6.0"}}}"""));
        McpResponse.Success success = (McpResponse.Success) ((ParseResult.Ok<McpResponse>) parsed).value();
        assertThat(success.id()).isEqualTo(1);
        assertThat(success.result().at("/serverInfo/name").asText()).isEqualTo("bread-compact-wifi");
    }

    @Test
    void deviceErrorWithoutCode() {
        ParseResult<McpResponse> parsed = McpResponses.parse(json("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"message\":\"Unknown tool: self.x\"}}"));
        assertThat(((ParseResult.Ok<McpResponse>) parsed).value())
                .isEqualTo(new McpResponse.Failure(OptionalLong.of(4), OptionalInt.empty(), "Unknown tool: self.x"));
    }

    @Test
    void standardErrorWithCode() {
        ParseResult<McpResponse> parsed = McpResponses.parse(json("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}"));
        assertThat(((ParseResult.Ok<McpResponse>) parsed).value())
                .isEqualTo(new McpResponse.Failure(OptionalLong.empty(), OptionalInt.of(-32700), "Parse error"));
    }

    @Test
    void errorAsPlainText() {
        ParseResult<McpResponse> parsed = McpResponses.parse(json("{\"id\":2,\"error\":\"busy\"}"));
        assertThat(((ParseResult.Ok<McpResponse>) parsed).value())
                .isEqualTo(new McpResponse.Failure(OptionalLong.of(2), OptionalInt.empty(), "busy"));
    }

    @Test
    void stringIdOfDigitsIsAccepted() {
        ParseResult<McpResponse> parsed = McpResponses.parse(json("{\"id\":\"7\",\"result\":{}}"));
        assertThat(((McpResponse.Success) ((ParseResult.Ok<McpResponse>) parsed).value()).id()).isEqualTo(7);
    }

    @Test
    void unusableResponses() {
        assertInvalid(McpResponses.parse(json("[]")));
        assertInvalid(McpResponses.parse(null));
        assertInvalid(McpResponses.parse(json("{\"jsonrpc\":\"2.0\",\"id\":1}")));
        assertInvalid(McpResponses.parse(json("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}")));
        assertInvalid(McpResponses.parse(json("{\"id\":\"abc\",\"result\":{}}")));
        assertInvalid(McpResponses.parse(json("{\"result\":{}}")));
        assertInvalid(McpResponses.parse(json("{\"id\":1,\"error\":[1]}")));
    }

    @Test
    void toolPageWithCursor() {
        ParseResult<McpToolPage> parsed = McpResponses.toolPage(json("""
                {"tools":[
                  {"name":"self.get_device_status","description":"Status","inputSchema":{"type":"object","properties":{}}},
                  {"name":"self.audio_speaker.set_volume","description":"Volume",
                   "inputSchema":{"type":"object","properties":{"volume":{"type":"integer","minimum":0,"maximum":100}},"required":["volume"]}}
                 ],"nextCursor":"self.camera.take_photo"}"""));
        McpToolPage page = ((ParseResult.Ok<McpToolPage>) parsed).value();
        assertThat(page.tools()).extracting(McpTool::name).containsExactly("self.get_device_status", "self.audio_speaker.set_volume");
        assertThat(page.tools().get(1).description()).isEqualTo("Volume");
        assertThat(page.tools().get(1).inputSchema().at("/properties/volume/maximum").asInt()).isEqualTo(100);
        assertThat(page.nextCursor()).contains("self.camera.take_photo");
        assertThat(page.skipped()).isZero();
    }

    @Test
    void lastToolPage() {
        McpToolPage empty = ((ParseResult.Ok<McpToolPage>) McpResponses.toolPage(json("{\"tools\":[],\"nextCursor\":\"\"}"))).value();
        assertThat(empty.tools()).isEmpty();
        assertThat(empty.nextCursor()).isEmpty();
        McpToolPage noCursor = ((ParseResult.Ok<McpToolPage>) McpResponses.toolPage(json("{\"tools\":[{\"name\":\"a\"}]}"))).value();
        assertThat(noCursor.nextCursor()).isEmpty();
        assertThat(noCursor.tools().get(0)).isEqualTo(new McpTool("a", "", json("{\"type\":\"object\",\"properties\":{}}")));
    }

    @Test
    void toolsWithoutAUsableNameAreSkipped() {
        McpToolPage page = ((ParseResult.Ok<McpToolPage>) McpResponses.toolPage(json(
                "{\"tools\":[{\"name\":\"ok\"},{\"description\":\"x\"},{\"name\":5},{\"name\":\" \"},\"text\"]}"))).value();
        assertThat(page.tools()).extracting(McpTool::name).containsExactly("ok");
        assertThat(page.skipped()).isEqualTo(4);
    }

    @Test
    void unusableToolPages() {
        assertInvalid(McpResponses.toolPage(json("{}")));
        assertInvalid(McpResponses.toolPage(json("{\"tools\":{}}")));
        assertInvalid(McpResponses.toolPage(json("[]")));
    }

    @Test
    void toolCallResult() {
        assertThat(((ParseResult.Ok<McpResponses.ToolCallResult>) McpResponses.toolCall(json(
                "{\"content\":[{\"type\":\"text\",\"text\":\"true\"}],\"isError\":false}"))).value())
                .isEqualTo(new McpResponses.ToolCallResult("true", false));
        assertThat(((ParseResult.Ok<McpResponses.ToolCallResult>) McpResponses.toolCall(json(
                "{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image\"},{\"type\":\"text\",\"text\":\"b\"}],\"isError\":true}"))).value())
                .isEqualTo(new McpResponses.ToolCallResult("a\nb", true));
        assertInvalid(McpResponses.toolCall(json("{\"isError\":false}")));
    }

    private static void assertInvalid(ParseResult<?> result) {
        assertThat(result).isInstanceOf(ParseResult.Bad.class);
        assertThat(((ParseResult.Bad<?>) result).reason()).isEqualTo(BadInputReason.INVALID_MCP_RESPONSE);
    }

    /** The request as the device reads it: written to text and parsed back. */
    private static JsonNode wire(McpRequests.Request request) {
        return json(request.payload().toString());
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
