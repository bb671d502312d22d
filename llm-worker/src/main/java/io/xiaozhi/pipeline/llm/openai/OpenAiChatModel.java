package io.xiaozhi.pipeline.llm.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.provider.OpenAiEndpoint;
import io.xiaozhi.pipeline.common.provider.ServerSentEvents;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.llm.model.ChatListener;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.model.ChatRequest;
import io.xiaozhi.pipeline.llm.model.FinishReason;
import io.xiaozhi.pipeline.llm.model.ToolSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A chat model behind an OpenAI-compatible API: {@code POST {base_url}/chat/completions} with
 * {@code "stream": true} and the tools as functions, the reply read as server-sent events
 * ({@link StreamParser}). Works with OpenAI, DeepSeek, Qwen/DashScope, Doubao/Ark, Ollama, vLLM and
 * LM Studio.
 *
 * <p>Time: the call must finish a little before the attempt's time runs out (a tenth of what is
 * left, at most {@value #MAX_MARGIN_MS} ms, is kept back), so that its own, classified failure
 * reaches the stage runtime rather than the runtime's timeout. The request's timeout covers the
 * wait for the response headers; a timer closes the body if the stream is still going at the end.
 * A cancelled turn closes it at once. HTTP failures are classified by {@link OpenAiEndpoint}.
 */
public final class OpenAiChatModel implements ChatModel {

    static final String PATH = "chat/completions";
    static final long MAX_MARGIN_MS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiEndpoint endpoint;
    private final ScheduledExecutorService timer;

    public OpenAiChatModel(OpenAiEndpoint endpoint) {
        this.endpoint = endpoint;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "llm-stream-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public String describe() {
        return "openai-compatible " + endpoint.uri(PATH) + " model " + endpoint.model();
    }

    @Override
    public FinishReason stream(ChatRequest request, ChatListener listener, StageContext context) {
        long left = context.timeLeft().toMillis();
        long budget = left - Math.min(MAX_MARGIN_MS, left / 10);
        if (budget <= 0) {
            endpoint.metrics().failure(endpoint.stage(), "timeout");
            throw new StageException(endpoint.stage() + " provider: no time left for a model call", true);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget);
        HttpRequest http = endpoint.request(PATH, Duration.ofMillis(budget))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(request)))
                .build();
        HttpResponse<InputStream> response = endpoint.send(http, context);
        String contentType = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (contentType.contains("json")) {
            byte[] start = endpoint.readBody(response, 64 * 1024);
            throw endpoint.malformed("expected an event stream, got " + contentType + ": "
                    + abbreviate(new String(start, StandardCharsets.UTF_8)));
        }
        InputStream in = response.body();
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> guard = timer.schedule(() -> {
            timedOut.set(true);
            closeQuietly(in);
        }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        context.cancellation().whenComplete((ignored, error) -> closeQuietly(in));
        StreamParser parser = new StreamParser(listener, endpoint);
        try {
            ServerSentEvents.End end = ServerSentEvents.read(in, parser::onData, context::cancelled);
            if (timedOut.get()) {
                throw timeout(budget, null);
            }
            return parser.finish(end);
        } catch (IOException e) {
            if (timedOut.get()) {
                throw timeout(budget, e);
            }
            if (context.cancelled()) {
                throw new StageException(endpoint.stage() + " provider: call aborted (turn cancelled or attempt timed out)", true, e);
            }
            throw endpoint.transportFailure(e);
        } finally {
            guard.cancel(false);
            closeQuietly(in);
        }
    }

    private StageException timeout(long budget, IOException cause) {
        endpoint.metrics().failure(endpoint.stage(), "timeout");
        return new StageException(endpoint.stage() + " provider: the reply stream did not finish within " + budget + " ms", true, cause);
    }

    /** The request body: model, messages, {@code stream: true}, and the tools when there are any. */
    byte[] body(ChatRequest request) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", endpoint.model());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : request.messages()) {
            messages.add(message.toJson());
        }
        body.put("stream", true);
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec tool : request.tools()) {
                ObjectNode entry = tools.addObject();
                entry.put("type", "function");
                ObjectNode function = entry.putObject("function");
                function.put("name", tool.name());
                function.put("description", tool.description());
                function.set("parameters", tool.parameters());
            }
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // closing to unblock a reader: nothing to do about a failure
        }
    }

    private static String abbreviate(String text) {
        String flat = text.replace('\n', ' ').strip();
        return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
