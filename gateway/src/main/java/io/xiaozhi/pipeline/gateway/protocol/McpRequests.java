package io.xiaozhi.pipeline.gateway.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the JSON-RPC 2.0 requests the server sends to a device's MCP server. One instance per
 * session: ids are numbers from 1, counted per session. Send a request's payload with
 * {@link ServerMessages#mcp}.
 */
public final class McpRequests {

    /** The MCP protocol version the firmware speaks. */
    public static final String PROTOCOL_VERSION = "2024-11-05";

    private final AtomicLong nextId = new AtomicLong(1);

    /**
     * One request.
     *
     * @param id its JSON-RPC id, to match the response
     * @param method its method
     * @param payload the whole JSON-RPC object
     */
    public record Request(long id, String method, ObjectNode payload) {
        /** Checks the fields. */
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(payload, "payload");
        }
    }

    /**
     * The {@code initialize} request.
     *
     * @param visionUrl where the device uploads photos, or {@code null} to announce no vision capability
     * @param visionToken the bearer token for the upload; {@code null} is sent as {@code ""}
     * @param clientName the server's name
     * @param clientVersion the server's version
     */
    public Request initialize(String visionUrl, String visionToken, String clientName, String clientVersion) {
        Objects.requireNonNull(clientName, "clientName");
        Objects.requireNonNull(clientVersion, "clientVersion");
        ObjectNode params = ProtocolJson.MAPPER.createObjectNode();
        params.put("protocolVersion", PROTOCOL_VERSION);
        ObjectNode capabilities = params.putObject("capabilities");
        if (visionUrl != null) {
            ObjectNode vision = capabilities.putObject("vision");
            vision.put("url", visionUrl);
            vision.put("token", visionToken == null ? "" : visionToken);
        }
        ObjectNode clientInfo = params.putObject("clientInfo");
        clientInfo.put("name", clientName);
        clientInfo.put("version", clientVersion);
        return request("initialize", params);
    }

    /** The {@code tools/list} request, for the page after {@code cursor} ({@code null} or empty for the first). */
    public Request toolsList(String cursor) {
        ObjectNode params = ProtocolJson.MAPPER.createObjectNode();
        if (cursor != null && !cursor.isEmpty()) {
            params.put("cursor", cursor);
        }
        return request("tools/list", params);
    }

    /** The {@code tools/call} request for the device tool {@code name}; {@code null} arguments are sent as {@code {}}. */
    public Request toolsCall(String name, JsonNode arguments) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a tool name must not be empty");
        }
        if (arguments != null && !arguments.isObject()) {
            throw new IllegalArgumentException("tool arguments are a JSON object");
        }
        ObjectNode params = ProtocolJson.MAPPER.createObjectNode();
        params.put("name", name);
        params.set("arguments", arguments == null ? ProtocolJson.MAPPER.createObjectNode() : arguments.deepCopy());
        return request("tools/call", params);
    }

    private Request request(String method, ObjectNode params) {
        long id = nextId.getAndIncrement();
        ObjectNode payload = ProtocolJson.MAPPER.createObjectNode();
        payload.put("jsonrpc", "2.0");
        payload.put("id", id);
        payload.put("method", method);
        payload.set("params", params);
        return new Request(id, method, payload);
    }
}
