package io.xiaozhi.pipeline.llm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The llm-worker's meters, in one place (the stage runtime counts requests, retries and dead letters;
 * these are about conversations):
 *
 * <ul>
 *   <li>{@code xiaozhi.llm.turns{outcome}}: turns finished: {@code answered}, {@code no_reply} (the
 *       model said nothing), {@code empty_input}, {@code duplicate} (a request for a turn already done)</li>
 *   <li>{@code xiaozhi.llm.first_token}: from the turn's first model call to the first text of its reply</li>
 *   <li>{@code xiaozhi.llm.model.time}: one model call, start to end of its stream</li>
 *   <li>{@code xiaozhi.llm.sentences}: sentences sent to speech synthesis</li>
 *   <li>{@code xiaozhi.llm.tool_calls{kind,outcome}}: kind {@code device} or {@code server}; outcome
 *       {@code sent}, {@code ok}, {@code error} (the device's answer), {@code unknown_tool},
 *       {@code bad_arguments}, {@code ignored} (calls made when no tools were offered)</li>
 *   <li>{@code xiaozhi.llm.tool_rounds}: rounds in which the model called tools</li>
 *   <li>{@code xiaozhi.llm.continuations{outcome}}: device answers ({@code mcp.result}): {@code resumed},
 *       {@code waiting} (other calls of the round still open), {@code already_resumed}, {@code duplicate}
 *       (the turn is over), {@code missing} (no saved state), {@code unknown_call}, {@code malformed}</li>
 *   <li>{@code xiaozhi.llm.history.writes}, {@code .dropped}, {@code .failures{op}}: chat history rows
 *       written, dropped on a full queue, and failed reads or writes ({@code op}: {@code read},
 *       {@code append}, {@code write})</li>
 *   <li>{@code xiaozhi.llm.failures{retryable}}: failed attempts, as reported to the stage runtime</li>
 *   <li>{@code xiaozhi.llm.input.malformed}: requests that are not a turn nor a continuation</li>
 *   <li>{@code xiaozhi.llm.device_tools.unreadable}, {@code xiaozhi.llm.prompt.failures}: device tool lists
 *       and agent prompts that could not be read (the turn goes on without them)</li>
 * </ul>
 */
public final class LlmMetrics {

    private final MeterRegistry registry;
    private final Timer firstToken;
    private final Timer modelTime;
    private final Counter sentences;
    private final Counter toolRounds;
    private final Counter historyWrites;
    private final Counter historyDropped;
    private final Counter malformedInput;
    private final Counter deviceToolsUnreadable;
    private final Counter promptFailures;

    public LlmMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.firstToken = Timer.builder("xiaozhi.llm.first_token").description("first model call to the first text of the reply")
                .publishPercentileHistogram().register(registry);
        this.modelTime = Timer.builder("xiaozhi.llm.model.time").description("one model call, start to end of its stream")
                .publishPercentileHistogram().register(registry);
        this.sentences = Counter.builder("xiaozhi.llm.sentences").description("sentences sent to speech synthesis").register(registry);
        this.toolRounds = Counter.builder("xiaozhi.llm.tool_rounds").description("model rounds that called tools").register(registry);
        this.historyWrites = Counter.builder("xiaozhi.llm.history.writes").description("chat history rows written").register(registry);
        this.historyDropped = Counter.builder("xiaozhi.llm.history.dropped").description("chat history rows dropped on a full queue")
                .register(registry);
        this.malformedInput = Counter.builder("xiaozhi.llm.input.malformed").description("requests that are neither a turn nor a continuation")
                .register(registry);
        this.deviceToolsUnreadable = Counter.builder("xiaozhi.llm.device_tools.unreadable").description("device tool lists or entries not readable")
                .register(registry);
        this.promptFailures = Counter.builder("xiaozhi.llm.prompt.failures").description("agent prompts not readable; the default was used")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void turn(String outcome) {
        registry.counter("xiaozhi.llm.turns", "outcome", outcome).increment();
    }

    public void firstToken(Duration latency) {
        firstToken.record(latency);
    }

    public void modelTime(Duration duration) {
        modelTime.record(duration);
    }

    public void sentence() {
        sentences.increment();
    }

    public void toolCall(String kind, String outcome) {
        registry.counter("xiaozhi.llm.tool_calls", "kind", kind, "outcome", outcome).increment();
    }

    public void toolRound() {
        toolRounds.increment();
    }

    public void continuation(String outcome) {
        registry.counter("xiaozhi.llm.continuations", "outcome", outcome).increment();
    }

    public void historyWritten(int rows) {
        historyWrites.increment(rows);
    }

    public void historyDropped() {
        historyDropped.increment();
    }

    public void historyFailure(String op, int count) {
        registry.counter("xiaozhi.llm.history.failures", "op", op).increment(count);
    }

    public void failure(boolean retryable) {
        registry.counter("xiaozhi.llm.failures", "retryable", Boolean.toString(retryable)).increment();
    }

    public void malformedInput() {
        malformedInput.increment();
    }

    public void deviceToolsUnreadable() {
        deviceToolsUnreadable.increment();
    }

    public void promptFailure() {
        promptFailures.increment();
    }

    /** The count of a counter with the given name and tags (0 when never counted); for tests and reports. */
    public double count(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }
}
