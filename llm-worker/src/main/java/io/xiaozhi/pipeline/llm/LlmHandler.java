package io.xiaozhi.pipeline.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.FailureClassifier;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import io.xiaozhi.pipeline.common.storage.KeyValueStoreException;
import io.xiaozhi.pipeline.llm.conversation.ChatHistoryWriter;
import io.xiaozhi.pipeline.llm.conversation.ConversationHistory;
import io.xiaozhi.pipeline.llm.conversation.Exchange;
import io.xiaozhi.pipeline.llm.conversation.HistoryRow;
import io.xiaozhi.pipeline.llm.conversation.SystemPrompts;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.turn.RoundCall;
import io.xiaozhi.pipeline.llm.turn.TurnOutput;
import io.xiaozhi.pipeline.llm.turn.TurnRunner;
import io.xiaozhi.pipeline.llm.turn.TurnState;
import io.xiaozhi.pipeline.llm.turn.TurnStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LLM stage's handler. A request is either what the user said (no {@code xz.type}; payload: the
 * text, from the ASR stage or a device's {@code listen detect}) or a device tool's answer
 * ({@code xz.type = mcp.result}; payload {@code {"call_id","name","result","is_error"}}) continuing a
 * turn that waits for it.
 *
 * <p>A new turn gets the device's system prompt and recent history, then runs through the
 * {@link TurnRunner}. A device answer is stored; once all answers of its round are in, exactly one
 * request takes the turn up from its saved state (on any worker). When the turn is complete and every
 * send acknowledged, the exchange goes to the hot history and to the durable history's writer, and the
 * turn is marked done, so that a later delivery of any of its requests is recognised and skipped.
 *
 * <p>Failures: a retryable failure becomes non-retryable once this attempt has sent a sentence (a new
 * attempt would send different text under the same sequence numbers); a device answer for a turn
 * with no saved state, or a malformed request, fails at once (dead letter and {@code turn.error}).
 */
public final class LlmHandler implements StageHandler {

    /** When the ASR stage started and finished the utterance (epoch ms), if it says. */
    public static final String ASR_START = EnvelopeHeaders.TIMING_PREFIX + "asr.start";
    public static final String ASR_END = EnvelopeHeaders.TIMING_PREFIX + "asr.end";
    /** Longest user text sent to the model; longer text is cut. */
    static final int MAX_INPUT_CHARS = 4000;

    private static final Logger LOG = LoggerFactory.getLogger(LlmHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TurnRunner runner;
    private final TurnStore store;
    private final SystemPrompts prompts;
    private final ConversationHistory history;
    private final ChatHistoryWriter writer;
    private final LlmMetrics metrics;
    private final Clock clock;
    private final String ttsTopic;

    public LlmHandler(TurnRunner runner, TurnStore store, SystemPrompts prompts, ConversationHistory history, ChatHistoryWriter writer,
                      LlmMetrics metrics, Clock clock, String ttsTopic) {
        this.runner = runner;
        this.store = store;
        this.prompts = prompts;
        this.history = history;
        this.writer = writer;
        this.metrics = metrics;
        this.clock = clock;
        this.ttsTopic = ttsTopic;
    }

    @Override
    public CompletionStage<Void> handle(StageRequest request, StageContext context) {
        TurnOutput output = new TurnOutput(context, request.envelope(), ttsTopic, metrics, clock);
        TurnState completed;
        try {
            String type = HeaderValues.text(request.record().headers(), EnvelopeHeaders.TYPE).orElse("");
            if (type.isEmpty()) {
                completed = userTurn(request, output, context);
            } else if (type.equals(MessageTypes.TOOL_RESULT)) {
                completed = continuation(request, output, context);
            } else {
                metrics.malformedInput();
                throw new StageException("llm: a request of type '" + type + "' is neither a turn nor a tool result", false);
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(e, output));
        }
        return output.acknowledged().handle((ignored, error) -> {
            if (error != null) {
                throw new CompletionException(failure(error, output));
            }
            if (completed != null) {
                afterTurn(completed);
            }
            return null;
        });
    }

    private TurnState userTurn(StageRequest request, TurnOutput output, StageContext context) {
        Envelope envelope = request.envelope();
        ConsumerRecord<String, byte[]> record = request.record();
        String text = record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            metrics.turn("empty_input");
            output.turnEnd();
            return null;
        }
        if (store.done(envelope.turnId())) {
            LOG.debug("turn {} is already done; its request was delivered again", envelope.turnId());
            metrics.turn("duplicate");
            return null;
        }
        if (text.length() > MAX_INPUT_CHARS) {
            text = text.substring(0, MAX_INPUT_CHARS);
        }
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(ChatMessage.system(prompts.forDevice(envelope.deviceId())));
        for (Exchange exchange : history.load(envelope.deviceId())) {
            messages.add(ChatMessage.user(exchange.user()));
            messages.add(ChatMessage.assistant(exchange.assistant()));
        }
        messages.add(ChatMessage.user(text));
        Long endOfSpeech = timing(record, EnvelopeHeaders.END_OF_SPEECH);
        Long asrStart = timing(record, ASR_START);
        Long asrEnd = timing(record, ASR_END);
        Integer asrMillis = asrStart != null && asrEnd != null && asrEnd >= asrStart ? toInt(asrEnd - asrStart) : null;
        TurnState state = TurnState.start(envelope, text, messages, endOfSpeech, asrMillis, clock.millis());
        state.upstreamProviderMillis(HeaderValues.providerMillis(record.headers()));
        output.carry(timings(record), state.llmStart());
        return runner.run(state, output, context) == TurnRunner.Outcome.COMPLETED ? state : null;
    }

    private TurnState continuation(StageRequest request, TurnOutput output, StageContext context) {
        String turnId = request.envelope().turnId();
        JsonNode payload = toolResult(request.record());
        String callId = payload.get("call_id").asText();
        if (store.done(turnId)) {
            LOG.debug("turn {} is already done; the answer to call {} is a duplicate", turnId, callId);
            metrics.continuation("duplicate");
            return null;
        }
        Optional<TurnStore.CallRef> ref = TurnStore.parseCallId(callId);
        if (ref.isEmpty()) {
            metrics.continuation("unknown_call");
            throw new StageException("llm: turn " + turnId + ": a tool result for call '" + callId + "', which this stage never made", false);
        }
        int round = ref.get().round();
        int index = ref.get().index();
        TurnState state;
        try {
            Optional<TurnState> saved = store.load(turnId, round);
            if (saved.isEmpty()) {
                metrics.continuation("missing");
                throw new StageException("llm: turn " + turnId + " has no saved state for tool round " + round
                        + " (it expired, or was never saved); the device's answer to call " + callId + " cannot be used", false);
            }
            state = saved.get();
        } catch (IllegalArgumentException e) {
            metrics.continuation("malformed");
            throw new StageException("llm: turn " + turnId + ": the saved state of tool round " + round + " is unreadable: " + e.getMessage(),
                    false, e);
        }
        List<RoundCall> calls = state.calls();
        if (index >= calls.size() || calls.get(index).kind() != RoundCall.Kind.DEVICE) {
            metrics.continuation("unknown_call");
            throw new StageException("llm: turn " + turnId + ": tool round " + round + " has no device call " + index, false);
        }
        String name = payload.path("name").asText("");
        if (!name.isEmpty() && !name.equals(calls.get(index).deviceName())) {
            LOG.warn("turn {}: the answer to call {} names tool {}, the call was to {}", turnId, callId, name, calls.get(index).deviceName());
        }
        JsonNode result = payload.path("result");
        boolean isError = payload.path("is_error").asBoolean(false);
        if (store.putResult(turnId, round, index, new TurnStore.CallResult(result.isTextual() ? result.asText() : result.toString(), isError))) {
            metrics.toolCall("device", isError ? "error" : "ok");
        }
        List<RoundCall> answered = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            RoundCall call = calls.get(i);
            if (!call.open()) {
                answered.add(call);
                continue;
            }
            Optional<TurnStore.CallResult> answer = store.result(turnId, round, i);
            if (answer.isEmpty()) {
                metrics.continuation("waiting");
                return null;
            }
            answered.add(call.answered(answer.get().text(), answer.get().isError()));
        }
        ConsumerRecord<String, byte[]> record = request.record();
        String requestId = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (store.claimResume(turnId, round, requestId) == TurnStore.Claim.TAKEN) {
            metrics.continuation("already_resumed");
            return null;
        }
        metrics.continuation("resumed");
        return runner.resume(state, answered, output, context) == TurnRunner.Outcome.COMPLETED ? state : null;
    }

    private JsonNode toolResult(ConsumerRecord<String, byte[]> record) {
        JsonNode payload;
        try {
            payload = JSON.readTree(record.value() == null ? new byte[0] : record.value());
        } catch (IOException e) {
            payload = null;
        }
        if (payload == null || !payload.isObject() || !payload.path("call_id").isTextual() || payload.get("call_id").asText().isEmpty()) {
            metrics.continuation("malformed");
            throw new StageException("llm: a tool result must be a JSON object {\"call_id\", \"name\", \"result\", \"is_error\"} with a call_id",
                    false);
        }
        return payload;
    }

    /** History and the done mark, once the turn's every send is acknowledged; failures here never fail the turn. */
    private void afterTurn(TurnState state) {
        String reply = state.reply().strip();
        metrics.turn(reply.isEmpty() ? "no_reply" : "answered");
        try {
            if (!reply.isEmpty()) {
                history.append(state.deviceId(), new Exchange(state.turnId(), state.userText(), reply));
            }
            long now = clock.millis();
            List<HistoryRow> rows = new ArrayList<>(2);
            rows.add(new HistoryRow(state.deviceId(), state.sessionId(), state.turnId(), "user", state.userText(), state.asrMillis(),
                    null, null, null));
            if (!reply.isEmpty()) {
                Integer firstToken = state.firstToken() == null ? null : toInt(state.firstToken() - state.llmStart());
                Integer total = state.endOfSpeech() == null ? null : toInt(now - state.endOfSpeech());
                rows.add(new HistoryRow(state.deviceId(), state.sessionId(), state.turnId(), "assistant", reply, null, firstToken,
                        toInt(state.modelMillis()), total));
            }
            writer.add(rows);
            store.markDone(state.turnId());
        } catch (RuntimeException e) {
            LOG.warn("turn {}: history or done mark not recorded: {}", state.turnId(), e.toString());
            metrics.historyFailure("append", 1);
        }
    }

    /** The failure to report for this attempt, made non-retryable once a sentence has been sent. */
    private StageException failure(Throwable error, TurnOutput output) {
        Throwable cause = FailureClassifier.unwrap(error);
        StageException failure;
        if (cause instanceof StageException stage) {
            failure = stage;
        } else if (cause instanceof KeyValueStoreException e) {
            failure = new StageException("llm: the key-value store failed: " + e.getMessage(), true, e);
        } else if (cause instanceof EnvelopeException e) {
            failure = new StageException("llm: " + e.getMessage(), false, e);
        } else if (cause instanceof TimeoutException || cause instanceof RetriableException) {
            failure = new StageException("llm: " + cause, true, cause);
        } else {
            failure = new StageException("llm: " + cause, false, cause);
        }
        if (failure.retryable() && output.sentences() > 0) {
            failure = new StageException(failure.getMessage() + " (not retried: " + output.sentences()
                    + " sentence(s) of this turn were already sent to speech synthesis)", false, failure);
        }
        metrics.failure(failure.retryable());
        return failure;
    }

    /** The request's {@code xz.t.*} timings, or none when one is malformed (they only feed measurements). */
    private static Map<String, Long> timings(ConsumerRecord<String, byte[]> record) {
        try {
            return HeaderValues.timings(record.headers());
        } catch (EnvelopeException e) {
            LOG.debug("ignoring malformed timing headers: {}", e.getMessage());
            return Map.of();
        }
    }

    private static Long timing(ConsumerRecord<String, byte[]> record, String header) {
        try {
            OptionalLong value = HeaderValues.number(record.headers(), header);
            return value.isPresent() ? value.getAsLong() : null;
        } catch (EnvelopeException e) {
            LOG.debug("ignoring a malformed timing header: {}", e.getMessage());
            return null;
        }
    }

    private static Integer toInt(long millis) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, millis));
    }
}
