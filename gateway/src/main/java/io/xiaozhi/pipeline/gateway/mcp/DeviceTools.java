package io.xiaozhi.pipeline.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.xiaozhi.pipeline.gateway.protocol.McpRequests;
import io.xiaozhi.pipeline.gateway.protocol.McpResponse;
import io.xiaozhi.pipeline.gateway.protocol.McpResponses;
import io.xiaozhi.pipeline.gateway.protocol.McpTool;
import io.xiaozhi.pipeline.gateway.protocol.McpToolPage;
import io.xiaozhi.pipeline.gateway.protocol.ParseResult;
import io.xiaozhi.pipeline.gateway.protocol.ServerMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of one device's MCP (docs/protocol.md §6): {@code initialize}, then {@code tools/list}
 * page by page, the tools kept in the {@link DeviceToolStore}, and {@code tools/call} with a timeout.
 * The owning session serialises calls; only a call's timeout completes on another thread.
 */
public final class DeviceTools {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceTools.class);
    /** Pages of tools/list fetched at most: a device advertising more is cut off there. */
    static final int MAX_PAGES = 20;

    private final String sessionId;
    private final Consumer<String> send;
    private final DeviceToolStore store;
    private final Duration callTimeout;
    private final McpRequests requests = new McpRequests();
    private final List<McpTool> tools = new ArrayList<>();
    private final Map<Long, CompletableFuture<McpResponses.ToolCallResult>> calls = new ConcurrentHashMap<>();
    private long initializeId = -1;
    private long listId = -1;
    private int pages;
    private boolean ready;

    public DeviceTools(String sessionId, Consumer<String> send, DeviceToolStore store, Duration callTimeout) {
        this.sessionId = sessionId;
        this.send = send;
        this.store = store;
        this.callTimeout = callTimeout;
    }

    /** Starts the exchange; {@code visionUrl} may be null when no vision endpoint is offered. */
    public void initialize(String visionUrl, String visionToken) {
        McpRequests.Request request = requests.initialize(visionUrl, visionToken, "xiaozhi-pipeline", "0.1.0");
        initializeId = request.id();
        send.accept(ServerMessages.mcp(request.payload()));
    }

    /** Whether the tool list is complete. */
    public boolean ready() {
        return ready;
    }

    public List<McpTool> tools() {
        return List.copyOf(tools);
    }

    /** A JSON-RPC payload from the device; returns false when it was not an answer to anything asked. */
    public boolean onPayload(JsonNode payload) {
        ParseResult<McpResponse> parsed = McpResponses.parse(payload);
        if (parsed instanceof ParseResult.Bad<McpResponse> bad) {
            LOG.debug("session {}: unreadable MCP payload: {}", sessionId, bad.detail());
            return false;
        }
        McpResponse response = ((ParseResult.Ok<McpResponse>) parsed).value();
        long id = response instanceof McpResponse.Success s ? s.id()
                : ((McpResponse.Failure) response).id().orElse(-1);
        if (id == initializeId) {
            if (response instanceof McpResponse.Failure failure) {
                LOG.info("session {}: the device refused MCP initialize: {}", sessionId, failure.message());
                return true;
            }
            list(null);
            return true;
        }
        if (id == listId) {
            return page(response);
        }
        CompletableFuture<McpResponses.ToolCallResult> call = calls.remove(id);
        if (call == null) {
            return false;
        }
        if (response instanceof McpResponse.Success success) {
            ParseResult<McpResponses.ToolCallResult> result = McpResponses.toolCall(success.result());
            if (result instanceof ParseResult.Ok<McpResponses.ToolCallResult> ok) {
                call.complete(ok.value());
            } else {
                call.complete(new McpResponses.ToolCallResult("the device's answer was unreadable", true));
            }
        } else {
            call.complete(new McpResponses.ToolCallResult(((McpResponse.Failure) response).message(), true));
        }
        return true;
    }

    /** Calls a device tool by its device name; completes with the device's answer, or an error after the timeout. */
    public CompletableFuture<McpResponses.ToolCallResult> call(String deviceToolName, JsonNode arguments) {
        McpRequests.Request request = requests.toolsCall(deviceToolName, arguments);
        CompletableFuture<McpResponses.ToolCallResult> result = new CompletableFuture<>();
        calls.put(request.id(), result);
        send.accept(ServerMessages.mcp(request.payload()));
        return result.completeOnTimeout(new McpResponses.ToolCallResult(
                "the device did not answer within " + callTimeout.toSeconds() + " s", true), callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> forget(request.id()));
    }

    private void forget(long id) {
        calls.remove(id);
    }

    private void list(String cursor) {
        McpRequests.Request request = requests.toolsList(cursor);
        listId = request.id();
        pages++;
        send.accept(ServerMessages.mcp(request.payload()));
    }

    private boolean page(McpResponse response) {
        if (response instanceof McpResponse.Failure failure) {
            LOG.info("session {}: tools/list failed: {}", sessionId, failure.message());
            finish();
            return true;
        }
        ParseResult<McpToolPage> page = McpResponses.toolPage(((McpResponse.Success) response).result());
        if (page instanceof ParseResult.Ok<McpToolPage> ok) {
            tools.addAll(ok.value().tools());
            if (ok.value().nextCursor().isPresent() && pages < MAX_PAGES) {
                list(ok.value().nextCursor().get());
                return true;
            }
        }
        finish();
        return true;
    }

    private void finish() {
        listId = -1;
        ready = true;
        store.save(sessionId, tools);
        LOG.debug("session {}: {} device tool(s)", sessionId, tools.size());
    }
}
