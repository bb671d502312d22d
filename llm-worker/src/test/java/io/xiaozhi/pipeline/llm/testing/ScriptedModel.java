package io.xiaozhi.pipeline.llm.testing;

import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.llm.model.ChatListener;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.model.ChatRequest;
import io.xiaozhi.pipeline.llm.model.FinishReason;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A chat model that answers each call with the next scripted round and keeps every request. */
public final class ScriptedModel implements ChatModel {

    /** One round: text pieces (each after {@code pauseMillis}), then tool calls. */
    public record Round(List<String> text, List<ToolCall> calls, long pauseMillis) {
        public static Round say(String... pieces) {
            return new Round(List.of(pieces), List.of(), 0);
        }

        /** Pieces that arrive {@code pauseMillis} apart, the first after one pause, as a slow model's would. */
        public static Round sayPaced(long pauseMillis, String... pieces) {
            return new Round(List.of(pieces), List.of(), pauseMillis);
        }

        public static Round call(ToolCall... calls) {
            return new Round(List.of(), List.of(calls), 0);
        }

        public static Round sayAndCall(String text, ToolCall... calls) {
            return new Round(List.of(text), List.of(calls), 0);
        }
    }

    private final ConcurrentLinkedQueue<Round> rounds = new ConcurrentLinkedQueue<>();
    private final List<ChatRequest> requests = Collections.synchronizedList(new ArrayList<>());

    public ScriptedModel then(Round round) {
        rounds.add(round);
        return this;
    }

    public List<ChatRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    @Override
    public FinishReason stream(ChatRequest request, ChatListener listener, StageContext context) {
        requests.add(request);
        Round round = rounds.poll();
        if (round == null) {
            throw new AssertionError("the model was called more often than scripted");
        }
        for (String piece : round.text()) {
            pause(round.pauseMillis());
            listener.onText(piece);
        }
        round.calls().forEach(listener::onToolCall);
        return round.calls().isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
    }

    private static void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pausing between scripted pieces", e);
        }
    }

    @Override
    public String describe() {
        return "scripted model";
    }
}
