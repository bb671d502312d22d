package io.xiaozhi.pipeline.llm.turn;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.provider.ProviderMetrics;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.llm.LlmMetrics;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.model.ChatRequest;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import io.xiaozhi.pipeline.llm.tools.DeviceToolCatalog;
import io.xiaozhi.pipeline.llm.tools.ServerTools;
import io.xiaozhi.pipeline.llm.tools.ToolResolution;
import io.xiaozhi.pipeline.llm.tools.TurnTools;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rounds of a turn: ask the model (streaming its text out as sentences), and when it calls tools,
 * answer them and ask again. Server tools and calls that cannot be made are answered at once, in the
 * same attempt. Device tools go to the gateway: the turn's state is saved first, the calls sent, and
 * the attempt ends; the turn goes on in {@link #resume} when the device's answers are in. After
 * {@code maxToolRounds} rounds with tools the model is asked once more without tools.
 */
public final class TurnRunner {

    private static final Logger LOG = LoggerFactory.getLogger(TurnRunner.class);
    private static final String STAGE = "llm";

    /** Where an attempt left the turn. */
    public enum Outcome {
        /** The reply is complete (its last sentence, or the turn end, has been sent). */
        COMPLETED,
        /** Device tool calls were sent; the turn waits for their answers. */
        WAITING
    }

    private final ChatModel model;
    private final TurnStore store;
    private final DeviceToolCatalog catalog;
    private final ServerTools serverTools;
    private final int maxToolRounds;
    private final LlmMetrics metrics;
    private final ProviderMetrics providerMetrics;
    private final Clock clock;

    public TurnRunner(ChatModel model, TurnStore store, DeviceToolCatalog catalog, ServerTools serverTools, int maxToolRounds,
                      LlmMetrics metrics, ProviderMetrics providerMetrics, Clock clock) {
        this.model = model;
        this.store = store;
        this.catalog = catalog;
        this.serverTools = serverTools;
        this.maxToolRounds = maxToolRounds;
        this.metrics = metrics;
        this.providerMetrics = providerMetrics;
        this.clock = clock;
    }

    /** Runs rounds from {@code state} until the reply is complete or device answers are awaited. */
    public Outcome run(TurnState state, TurnOutput output, StageContext context) {
        SentenceEmitter emitter = new SentenceEmitter(state, output);
        while (true) {
            boolean toolsOffered = state.round() < maxToolRounds;
            TurnTools tools = toolsOffered ? TurnTools.of(catalog.load(state.sessionId()), serverTools) : TurnTools.none(serverTools);
            ReplyStream stream = new ReplyStream(state, output, emitter, metrics, clock);
            long began = System.nanoTime();
            state.roundStarted(began);
            try {
                model.stream(new ChatRequest(state.messages(), tools.offered()), stream, context);
            } finally {
                long ended = System.nanoTime();
                state.roundEnded(ended);
                long millis = Duration.ofNanos(ended - began).toMillis();
                state.addModelMillis(millis);
                metrics.modelTime(Duration.ofMillis(millis));
            }
            stream.endOfStream();
            List<ToolCall> calls = stream.toolCalls();
            if (calls.isEmpty() || !toolsOffered) {
                if (!calls.isEmpty()) {
                    LOG.debug("turn {}: {} tool call(s) made in the round without tools are ignored", state.turnId(), calls.size());
                    calls.forEach(call -> metrics.toolCall("none", "ignored"));
                }
                state.messages().add(ChatMessage.assistant(stream.text()));
                if (!emitter.finish()) {
                    output.turnEnd();
                }
                if (state.endConversation()) {
                    output.sessionEnd();
                }
                return Outcome.COMPLETED;
            }
            state.nextRound();
            metrics.toolRound();
            emitter.flush();
            state.messages().add(ChatMessage.assistant(stream.text(), calls));
            List<RoundCall> roundCalls = resolve(state, calls, tools);
            if (roundCalls.stream().noneMatch(RoundCall::open)) {
                answer(state, roundCalls);
                continue;
            }
            state.calls(roundCalls);
            store.save(state);
            for (int i = 0; i < roundCalls.size(); i++) {
                RoundCall call = roundCalls.get(i);
                if (call.open()) {
                    output.toolCall(TurnStore.callId(state.round(), i), call.deviceName(), call.arguments());
                    metrics.toolCall("device", "sent");
                }
            }
            return Outcome.WAITING;
        }
    }

    /** Goes on with a turn whose device answers are all in: {@code answered} are its waiting round's calls with their answers. */
    public Outcome resume(TurnState state, List<RoundCall> answered, TurnOutput output, StageContext context) {
        if (answered.size() != state.calls().size() || answered.stream().anyMatch(RoundCall::open)) {
            throw new IllegalArgumentException("every call of the round must be answered");
        }
        answer(state, answered);
        state.calls(List.of());
        return run(state, output, context);
    }

    private List<RoundCall> resolve(TurnState state, List<ToolCall> calls, TurnTools tools) {
        List<RoundCall> resolved = new ArrayList<>(calls.size());
        for (ToolCall call : calls) {
            ToolResolution resolution = tools.resolve(call);
            ObjectNode none = JsonNodeFactory.instance.objectNode();
            if (resolution instanceof ToolResolution.Server server) {
                metrics.toolCall("server", "ok");
                if (server.endsConversation()) {
                    state.endConversation(true);
                }
                resolved.add(new RoundCall(RoundCall.Kind.SERVER, call.id(), call.name(), "", none, server.result(), false));
            } else if (resolution instanceof ToolResolution.Device device) {
                resolved.add(new RoundCall(RoundCall.Kind.DEVICE, call.id(), call.name(), device.deviceName(), device.arguments(), null, false));
            } else {
                ToolResolution.Rejected rejected = (ToolResolution.Rejected) resolution;
                LOG.info("turn {}: tool call {} not made: {}", state.turnId(), call.name(), rejected.message());
                metrics.toolCall(rejected.reason().equals("unknown_tool") ? "unknown" : "device", rejected.reason());
                providerMetrics.failure(STAGE, rejected.reason());
                resolved.add(new RoundCall(RoundCall.Kind.REJECTED, call.id(), call.name(), "", none, rejected.message(), true));
            }
        }
        return resolved;
    }

    /** The tool messages of a round, in the order of its calls. */
    private static void answer(TurnState state, List<RoundCall> calls) {
        for (RoundCall call : calls) {
            state.messages().add(ChatMessage.tool(call.modelId(), call.toolMessage()));
        }
    }
}
