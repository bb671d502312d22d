package io.xiaozhi.pipeline.llm.turn;

import io.xiaozhi.pipeline.common.text.Emotions;
import io.xiaozhi.pipeline.llm.LlmMetrics;
import io.xiaozhi.pipeline.llm.model.ChatListener;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import io.xiaozhi.pipeline.llm.text.LeadingEmoji;
import io.xiaozhi.pipeline.llm.text.SentenceCutter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One round's reply as it streams in: the turn's emotion from the leading emoji (once per turn, when
 * the start of the reply shows it), the text cut into sentences for the {@link SentenceEmitter}, the
 * reply's text kept for the history, the first token's time, and the tool calls the model makes.
 */
final class ReplyStream implements ChatListener {

    private final TurnState state;
    private final TurnOutput output;
    private final SentenceEmitter emitter;
    private final LlmMetrics metrics;
    private final Clock clock;
    private final SentenceCutter cutter = new SentenceCutter();
    private final StringBuilder roundText = new StringBuilder();
    private final List<ToolCall> calls = new ArrayList<>();
    private StringBuilder lead;

    ReplyStream(TurnState state, TurnOutput output, SentenceEmitter emitter, LlmMetrics metrics, Clock clock) {
        this.state = state;
        this.output = output;
        this.emitter = emitter;
        this.metrics = metrics;
        this.clock = clock;
        this.lead = state.emotionSent() ? null : new StringBuilder();
    }

    @Override
    public void onText(String delta) {
        if (delta.isEmpty()) {
            return;
        }
        if (state.firstToken() == null) {
            long now = clock.millis();
            state.firstToken(now);
            metrics.firstToken(Duration.ofMillis(Math.max(0, now - state.llmStart())));
        }
        if (roundText.length() == 0) {
            separateFromEarlierRound(state);
        }
        roundText.append(delta);
        state.appendReply(delta);
        if (lead == null) {
            cut(delta);
            return;
        }
        lead.append(delta);
        if (LeadingEmoji.decidable(lead)) {
            decideEmotion();
        }
    }

    @Override
    public void onToolCall(ToolCall call) {
        calls.add(call);
    }

    /** The model's stream has ended: the rest of the text is cut. */
    void endOfStream() {
        if (lead != null && !lead.toString().isBlank()) {
            decideEmotion();
        }
        cutter.finish().forEach(emitter::offerAtEnd);
    }

    String text() {
        return roundText.toString();
    }

    List<ToolCall> toolCalls() {
        return List.copyOf(calls);
    }

    /** A space between the text of two rounds, unless the earlier one ends in white space or Chinese. */
    private static void separateFromEarlierRound(TurnState state) {
        String reply = state.reply();
        if (reply.isEmpty()) {
            return;
        }
        char last = reply.charAt(reply.length() - 1);
        if (!Character.isWhitespace(last) && !SentenceCutter.isCjk(last) && "。！？；，…".indexOf(last) < 0) {
            state.appendReply(" ");
        }
    }

    private void decideEmotion() {
        Emotions.Leading leading = Emotions.extract(lead.toString());
        lead = null;
        output.emotion(leading.emoji(), leading.emotion());
        state.emotionSent(true);
        cut(leading.text());
    }

    private void cut(String text) {
        cutter.accept(text).forEach(emitter::offer);
    }
}
