package io.xiaozhi.pipeline.gateway.session;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.EnvelopeException;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.audio.DecodeResult;
import io.xiaozhi.pipeline.common.audio.OpusDecoding;
import io.xiaozhi.pipeline.gateway.audio.UtteranceDetector;
import io.xiaozhi.pipeline.gateway.audio.UtteranceEvent;
import io.xiaozhi.pipeline.gateway.audio.Vad;
import io.xiaozhi.pipeline.gateway.downlink.DeviceSink;
import io.xiaozhi.pipeline.gateway.downlink.DownlinkMessages;
import io.xiaozhi.pipeline.gateway.downlink.DownlinkPacer;
import io.xiaozhi.pipeline.gateway.downlink.TurnOutcome;
import io.xiaozhi.pipeline.gateway.downlink.TurnPiece;
import io.xiaozhi.pipeline.gateway.downlink.TurnStats;
import io.xiaozhi.pipeline.gateway.mcp.DeviceTools;
import io.xiaozhi.pipeline.gateway.pipeline.DownlinkRecord;
import io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts;
import io.xiaozhi.pipeline.gateway.pipeline.Turn;
import io.xiaozhi.pipeline.gateway.protocol.AudioParams;
import io.xiaozhi.pipeline.gateway.protocol.BadInputLog;
import io.xiaozhi.pipeline.gateway.protocol.BadInputReason;
import io.xiaozhi.pipeline.gateway.protocol.BinaryFraming;
import io.xiaozhi.pipeline.gateway.protocol.DecodedFrame;
import io.xiaozhi.pipeline.gateway.protocol.DeviceMessage;
import io.xiaozhi.pipeline.gateway.protocol.DeviceMessageParser;
import io.xiaozhi.pipeline.common.text.Emotion;
import io.xiaozhi.pipeline.common.text.Emotions;
import io.xiaozhi.pipeline.gateway.protocol.ListenMode;
import io.xiaozhi.pipeline.gateway.protocol.McpResponses;
import io.xiaozhi.pipeline.gateway.protocol.ParseResult;
import io.xiaozhi.pipeline.gateway.protocol.ServerMessages;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's conversation: the protocol of docs/protocol.md §3 on one WebSocket. It answers hello,
 * gathers the uplink audio of a listen, decides with VAD where an utterance ends (auto and realtime
 * modes; {@code listen stop} in manual mode), publishes each utterance as a turn once admission
 * allows, and plays the turn's answers from the downlink through a {@link DownlinkPacer}. Every
 * method is called by one thread at a time (the socket's, or the downlink listener's).
 */
public final class DeviceSession implements DeviceSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An utterance is cut at this length (one minute of 60 ms packets) so memory stays bounded. */
    static final int MAX_UTTERANCE_PACKETS = 1000;
    static final String BUSY_MESSAGE = SpokenPrompts.Prompt.BUSY.text();
    static final int NORMAL_CLOSURE = 1000;
    static final String APOLOGY_MESSAGE = SpokenPrompts.Prompt.APOLOGY.text();

    /** How the session reaches its device. */
    public interface Transport {
        void sendText(String json);

        void sendBinary(byte[] frame);

        void close(int code, String reason);
    }

    private final String sessionId;
    private final String deviceId;
    private final String host;
    private final BinaryFraming framing;
    private final Transport transport;
    private final SessionServices services;
    private final BadInputLog badInput;
    private final DeviceMessageParser parser = new DeviceMessageParser();
    /** Created at the first {@code listen start}: an idle device costs no decoder and no VAD state. */
    private OpusDecoding decoder;
    private Vad vad;
    private final UtteranceDetector detector;
    private final DownlinkPacer pacer;

    private boolean helloDone;
    private boolean listening;
    private ListenMode mode = ListenMode.DEFAULT;
    private final List<byte[]> captured = new ArrayList<>();
    private long streamMillis;
    private Turn currentTurn;
    private Stage admittedAt;
    private String pendingEmotion;
    private long downlinkTimestamp;
    private final long connectedAt;
    private long lastReceived;
    private long lastVoice;
    private volatile boolean closing;
    private DeviceTools deviceTools;
    /** The turn after whose reply the connection closes (the user said goodbye), or {@code null}. */
    private volatile String endAfterTurn;
    /** The turn whose first reply packet is still to be timed, and when its speech ended. */
    private volatile String firstAudioOf;
    /** xz.provider-ms of the awaited turn's first audio chunk, once it arrived; -1 before or without. */
    private volatile long firstAudioProviderMillis = -1;
    /** The xz.t.* timings of the awaited turn's first audio chunk and when it was read; empty before. */
    private volatile Map<String, Long> firstAudioTimings = Map.of();
    private volatile long firstAudioReceivedAt;
    private volatile long turnEndedSpeechAt;
    /** The turn whose {@code stt} the device has been shown. */
    private String sttShownFor;
    private final String ttsStartJson;
    private final String ttsStopJson;

    public DeviceSession(String sessionId, String deviceId, int protocolVersion, Transport transport, SessionServices services) {
        this(sessionId, deviceId, protocolVersion, "", transport, services);
    }

    /** {@code host} is the {@code Host} the device connected to, for the URLs it is told (may be empty). */
    public DeviceSession(String sessionId, String deviceId, int protocolVersion, String host, Transport transport,
                         SessionServices services) {
        this.host = host;
        this.sessionId = sessionId;
        this.deviceId = deviceId;
        this.framing = BinaryFraming.forVersion(protocolVersion);
        this.transport = transport;
        this.services = services;
        this.badInput = new BadInputLog(services.meters(), sessionId);
        this.detector = new UtteranceDetector(services.utterances());
        this.ttsStartJson = ServerMessages.ttsStart(sessionId);
        this.ttsStopJson = ServerMessages.ttsStop(sessionId);
        this.connectedAt = services.clock().getAsLong();
        this.lastReceived = connectedAt;
        this.lastVoice = connectedAt;
        this.pacer = new DownlinkPacer(this, new Messages(), services.scheduler(), services.pacing(), services.downlinkMetrics());
    }

    public String sessionId() {
        return sessionId;
    }

    /** A text frame from the device. */
    public synchronized void onText(String text) {
        lastReceived = services.clock().getAsLong();
        services.metrics().textIn.increment();
        ParseResult<DeviceMessage> parsed = parser.parse(text);
        if (parsed instanceof ParseResult.Bad<DeviceMessage> bad) {
            badInput.record(bad);
            return;
        }
        DeviceMessage message = ((ParseResult.Ok<DeviceMessage>) parsed).value();
        if (message instanceof DeviceMessage.Hello hello) {
            hello(hello);
        } else if (message instanceof DeviceMessage.Listen listen) {
            listen(listen);
        } else if (message instanceof DeviceMessage.Abort) {
            abort();
        } else if (message instanceof DeviceMessage.Ping) {
            transport.sendText(ServerMessages.pong(services.clock().getAsLong()));
        } else if (message instanceof DeviceMessage.Mcp mcp) {
            if (deviceTools == null || !deviceTools.onPayload(mcp.payload())) {
                LOG.debug("session {}: an MCP message nothing waits for", sessionId);
            }
        } else if (message instanceof DeviceMessage.Unknown unknown) {
            badInput.record(BadInputReason.UNKNOWN_MESSAGE_TYPE, unknown.type());
        } else {
            // legacy iot reports: nothing uses them
            LOG.debug("session {}: {} message noted", sessionId, message.getClass().getSimpleName());
        }
    }

    /** A binary frame from the device. */
    public synchronized void onBinary(byte[] frame) {
        lastReceived = services.clock().getAsLong();
        services.metrics().framesIn.increment();
        DecodedFrame decoded = framing.decode(frame);
        if (decoded instanceof DecodedFrame.BadFrame bad) {
            badInput.record(bad);
        } else if (decoded instanceof DecodedFrame.JsonText json) {
            onText(json.json());
        } else if (decoded instanceof DecodedFrame.AudioPacket audio) {
            audio(audio.opus());
        }
    }

    private void hello(DeviceMessage.Hello hello) {
        if (!helloDone) {
            services.metrics().hello.record(java.time.Duration.ofMillis(Math.max(0, services.clock().getAsLong() - connectedAt)));
        }
        boolean first = !helloDone;
        helloDone = true;
        transport.sendText(ServerMessages.hello(sessionId, AudioParams.SERVER_DEFAULT));
        if (first && hello.features().mcp()) {
            deviceTools = new DeviceTools(sessionId, transport::sendText, services.tools(), services.limits().toolCallTimeout());
            java.util.Optional<VisionOffers.Offer> vision = services.vision().offer(deviceId, host);
            deviceTools.initialize(vision.map(VisionOffers.Offer::url).orElse(null), vision.map(VisionOffers.Offer::token).orElse(null));
        }
    }

    private void listen(DeviceMessage.Listen listen) {
        switch (listen.state()) {
            case START -> {
                mode = listen.modeOr(mode);
                listening = true;
                startCapture();
            }
            case STOP -> {
                if (listening && mode == ListenMode.MANUAL) {
                    endUtterance();
                }
                listening = false;
            }
            case DETECT -> listen.text().filter(t -> !t.isBlank()).ifPresent(this::detected);
        }
    }

    private void audio(byte[] opus) {
        if (!listening) {
            return;
        }
        if (captured.size() >= MAX_UTTERANCE_PACKETS) {
            endUtterance();
            startCapture();
        }
        captured.add(opus);
        DecodeResult result = decoder.decode(opus);
        if (result instanceof DecodeResult.Undecodable undecodable) {
            badInput.record(BadInputReason.UNDECODABLE_AUDIO, undecodable.reason());
            return;
        }
        short[] pcm = ((DecodeResult.Samples) result).samples();
        long vadStart = System.nanoTime();
        float[] probabilities = vad.feed(pcm, 0, pcm.length);
        services.metrics().vad.record(System.nanoTime() - vadStart, java.util.concurrent.TimeUnit.NANOSECONDS);
        for (float probability : probabilities) {
            Optional<UtteranceEvent> event = detector.accept(probability);
            streamMillis += services.utterances().windowMillis();
            if (event.isEmpty()) {
                continue;
            }
            lastVoice = services.clock().getAsLong();
            if (event.get() instanceof UtteranceEvent.SpeechStarted && mode == ListenMode.REALTIME && currentTurn != null) {
                // barge-in: the user speaks over the reply
                abortTurn();
            } else if (event.get() instanceof UtteranceEvent.SpeechEnded && mode != ListenMode.MANUAL) {
                endUtterance();
                if (mode == ListenMode.AUTO) {
                    listening = false;
                } else {
                    startCapture();
                }
                return;
            }
        }
    }

    private void startCapture() {
        captured.clear();
        if (vad == null) {
            vad = services.vads().get();
            decoder = new OpusDecoding();
        }
        vad.reset();
        detector.reset();
        streamMillis = 0;
    }

    /** Publishes what was captured as a new turn, if it was admitted. */
    private void endUtterance() {
        if (captured.isEmpty()) {
            return;
        }
        List<byte[]> packets = List.copyOf(captured);
        captured.clear();
        Turn turn = newTurn(Stage.ASR);
        if (turn != null) {
            services.publisher().utterance(turn, packets, services.clock().getAsLong()).whenComplete((m, e) -> failedToPublish(turn, e));
        }
    }

    private void detected(String text) {
        String normalised = text.trim().toLowerCase(Locale.ROOT);
        boolean wakeWord = services.wakeWords().stream().anyMatch(w -> w.equalsIgnoreCase(normalised));
        Turn turn = newTurn(Stage.LLM);
        if (turn != null) {
            // a wake word alone goes to the language model as well, which answers it with a greeting
            services.publisher().text(turn, wakeWord ? text.trim() : text, services.clock().getAsLong())
                    .whenComplete((m, e) -> failedToPublish(turn, e));
        }
    }

    private Turn newTurn(Stage stage) {
        if (currentTurn != null) {
            abortTurn();
        }
        lastVoice = services.clock().getAsLong();
        if (!services.admission().tryAdmit(stage)) {
            services.metrics().turn(SessionMetrics.TurnOutcome.BUSY);
            transport.sendText(ServerMessages.alert("Warning", BUSY_MESSAGE, Emotion.SAD));
            speak(SpokenPrompts.Prompt.BUSY);
            return null;
        }
        services.metrics().turn(SessionMetrics.TurnOutcome.PUBLISHED);
        Turn turn = new Turn(sessionId, deviceId, UUID.randomUUID().toString());
        currentTurn = turn;
        admittedAt = stage;
        pendingEmotion = null;
        firstAudioOf = turn.turnId();
        firstAudioProviderMillis = -1;
        firstAudioTimings = Map.of();
        turnEndedSpeechAt = services.clock().getAsLong();
        pacer.beginTurn(turn.turnId());
        return turn;
    }

    private void failedToPublish(Turn turn, Throwable error) {
        if (error != null) {
            LOG.warn("session {}: turn {} could not be published: {}", sessionId, turn.turnId(), error.toString());
            synchronized (this) {
                if (turn.equals(currentTurn)) {
                    services.metrics().turn(SessionMetrics.TurnOutcome.ERROR);
                    apologise();
                }
            }
        }
    }

    private void abort() {
        abortTurn();
        transport.sendText(ServerMessages.ttsStop(sessionId));
    }

    /** Stops the current turn here at once and tells the workers to skip it. */
    private void abortTurn() {
        Turn turn = currentTurn;
        if (turn == null) {
            return;
        }
        pacer.abort();
        releaseAdmission();
        currentTurn = null;
        services.metrics().turn(SessionMetrics.TurnOutcome.ABORTED);
        services.publisher().cancel(turn);
    }

    /** An answer for this session from the downlink topic. */
    public synchronized void onDownlink(DownlinkRecord record) {
        Turn turn = currentTurn;
        if (turn == null || !turn.turnId().equals(record.turnId())) {
            return;
        }
        try {
            switch (record.type()) {
                case MessageTypes.STT -> {
                    releaseAdmission();
                    // a retried or redelivered ASR request sends stt again; the device shows it once
                    if (!turn.turnId().equals(sttShownFor)) {
                        sttShownFor = turn.turnId();
                        transport.sendText(ServerMessages.stt(sessionId, text(record)));
                    }
                }
                case MessageTypes.EMOTION -> pendingEmotion = text(record);
                case MessageTypes.SENTENCE -> pacer.accept(turn.turnId(), new TurnPiece.SentenceText((int) record.seq(), text(record), record.last()));
                case MessageTypes.AUDIO -> {
                    if (record.seq() == 0 && record.chunk() == 0 && turn.turnId().equals(firstAudioOf)) {
                        firstAudioProviderMillis = record.providerMillis();
                        firstAudioTimings = record.timings();
                        firstAudioReceivedAt = services.clock().getAsLong();
                    }
                    pacer.accept(turn.turnId(), new TurnPiece.AudioChunk((int) record.seq(), (int) record.chunk(),
                            record.fin(), AudioFrames.decode(record.payload())));
                }
                case MessageTypes.SENTENCE_FAILED -> pacer.accept(turn.turnId(),
                        new TurnPiece.SentenceFailed((int) record.seq(), record.last(), text(record)));
                case MessageTypes.TURN_END -> {
                    releaseAdmission();
                    pacer.accept(turn.turnId(), new TurnPiece.SentenceText(0, "", true));
                }
                case MessageTypes.TOOL_CALL -> callTool(turn, record);
                case MessageTypes.SESSION_END -> endAfterReply(turn);
                case MessageTypes.TURN_TIMED_OUT -> {
                    services.metrics().turn(SessionMetrics.TurnOutcome.TIMEOUT);
                    apologise();
                }
                case MessageTypes.TURN_FAILED -> {
                    services.metrics().turn(SessionMetrics.TurnOutcome.ERROR);
                    apologise();
                }
                default -> LOG.debug("session {}: downlink type {} not handled here", sessionId, record.type());
            }
        } catch (EnvelopeException e) {
            LOG.warn("session {}: dropping a {} record: {}", sessionId, record.type(), e.getMessage());
        }
    }

    /** Forwards a tool call to the device and publishes its answer (or the failure) as the turn's continuation. */
    private void callTool(Turn turn, DownlinkRecord record) {
        JsonNode request;
        try {
            request = JSON.readTree(record.payload());
        } catch (java.io.IOException e) {
            LOG.warn("session {}: an unreadable tool call: {}", sessionId, e.getMessage());
            return;
        }
        String callId = request.path("call_id").asText("");
        String name = request.path("name").asText("");
        CompletableFuture<McpResponses.ToolCallResult> answer = deviceTools == null || name.isEmpty()
                ? CompletableFuture.completedFuture(new McpResponses.ToolCallResult(
                        deviceTools == null ? "this device offers no tools" : "the tool call names no tool", true))
                : deviceTools.call(name, request.path("arguments").isObject() ? request.path("arguments") : null);
        answer.thenAccept(result -> {
            ObjectNode continuation = JSON.createObjectNode();
            continuation.put("call_id", callId);
            continuation.put("name", name);
            continuation.put("result", result.text());
            continuation.put("is_error", result.isError());
            services.publisher().toolResult(turn, continuation.toString(), services.clock().getAsLong())
                    .whenComplete((m, e) -> failedToPublish(turn, e));
        });
    }

    /**
     * The conversation is over: the connection closes once this turn's reply has played (right away if
     * it already has), as the reference server does after a farewell.
     */
    private void endAfterReply(Turn turn) {
        TurnStats stats = pacer.turnStats();
        boolean playing = stats != null && stats.turnId().equals(turn.turnId()) && stats.outcome() == TurnOutcome.ACTIVE;
        if (playing) {
            endAfterTurn = turn.turnId();
        } else {
            closeForGoodbye();
        }
    }

    private void closeForGoodbye() {
        if (closing) {
            return;
        }
        closing = true;
        services.metrics().closed(SessionMetrics.CloseReason.GOODBYE);
        LOG.info("session {} of {}: closing, the user said goodbye", sessionId, deviceId);
        transport.close(NORMAL_CLOSURE, "goodbye");
    }

    /** Errors and timeouts become a short apology and {@code tts stop}, never silence. */
    private void apologise() {
        pacer.abort();
        releaseAdmission();
        currentTurn = null;
        transport.sendText(ServerMessages.alert("Error", APOLOGY_MESSAGE, Emotion.SAD));
        speak(SpokenPrompts.Prompt.APOLOGY);
    }

    /** Plays a prompt prepared at start-up through the pacer, or just ends the turn when there is none. */
    private void speak(SpokenPrompts.Prompt prompt) {
        List<byte[]> audio = services.prompts().audio(prompt);
        if (audio.isEmpty()) {
            transport.sendText(ServerMessages.ttsStop(sessionId));
            return;
        }
        String turnId = "prompt-" + UUID.randomUUID();
        pacer.beginTurn(turnId);
        pacer.accept(turnId, new TurnPiece.SentenceText(0, prompt.text(), true));
        pacer.accept(turnId, new TurnPiece.AudioChunk(0, 0, true, audio));
    }

    private void releaseAdmission() {
        if (admittedAt != null) {
            services.admission().finished(admittedAt);
            admittedAt = null;
        }
    }

    private static String text(DownlinkRecord record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }

    @Override
    public void sendJson(String json) {
        transport.sendText(json);
        if (endAfterTurn != null && json.equals(ttsStopJson)) {
            TurnStats stats = pacer.turnStats();
            // the pacer sends the reply's tts stop while the turn is still active; an abort's comes after
            if (stats != null && stats.turnId().equals(endAfterTurn) && stats.outcome() == TurnOutcome.ACTIVE) {
                endAfterTurn = null;
                closeForGoodbye();
                return;
            }
        }
        if (json.equals(ttsStartJson) && pendingEmotion != null) {
            // the reply's emotion follows tts start, as the firmware expects
            transport.sendText(ServerMessages.llm(sessionId, Emotions.extract(pendingEmotion)));
            pendingEmotion = null;
        }
    }

    @Override
    public void sendAudio(byte[] packet) {
        services.metrics().framesOut.increment();
        String waiting = firstAudioOf;
        if (waiting != null) {
            TurnStats stats = pacer.turnStats();
            if (stats != null && stats.turnId().equals(waiting)) {
                firstAudioOf = null;
                long now = services.clock().getAsLong();
                long latency = Math.max(0, now - turnEndedSpeechAt);
                services.metrics().firstAudio.record(latency, TimeUnit.MILLISECONDS);
                if (!firstAudioTimings.isEmpty()) {
                    services.metrics().segments(TurnSegments.of(firstAudioTimings, firstAudioReceivedAt, now));
                }
                long providers = firstAudioProviderMillis;
                if (providers >= 0) {
                    services.metrics().overhead.record(Math.max(0, latency - providers), TimeUnit.MILLISECONDS);
                }
            }
        }
        downlinkTimestamp += 60;
        transport.sendBinary(framing.encodeAudio(packet, downlinkTimestamp));
    }

    boolean helloDone() {
        return helloDone;
    }

    /**
     * Closes the session if it has overstayed: no hello within {@code server.connection_timeout}, no
     * voice (nor a turn) for {@code server.close_no_voice_seconds}, or nothing received for
     * {@code server.close_idle_seconds}. Called periodically with the current time; returns whether
     * the session was closed.
     */
    public synchronized boolean closeIfIdle(long now) {
        if (closing) {
            return true;
        }
        SessionLimits limits = services.limits();
        SessionMetrics.CloseReason reason = null;
        String message = null;
        if (!helloDone && now - connectedAt >= limits.helloTimeout().toMillis()) {
            reason = SessionMetrics.CloseReason.NO_HELLO;
            message = "no hello within " + limits.helloTimeout().toSeconds() + " s";
        } else if (now - lastReceived >= limits.closeIdle().toMillis()) {
            reason = SessionMetrics.CloseReason.IDLE;
            message = "nothing received for " + limits.closeIdle().toSeconds() + " s";
        } else if (currentTurn == null && now - lastVoice >= limits.closeNoVoice().toMillis()) {
            reason = SessionMetrics.CloseReason.NO_VOICE;
            message = "goodbye: no voice for " + limits.closeNoVoice().toSeconds() + " s";
        }
        if (reason == null) {
            return false;
        }
        closing = true;
        services.metrics().closed(reason);
        LOG.info("session {} of {}: closing, {}", sessionId, deviceId, message);
        transport.close(NORMAL_CLOSURE, message);
        return true;
    }

    @Override
    public synchronized void close() {
        abortTurn();
        if (vad != null) {
            vad.close();
        }
        if (deviceTools != null) {
            services.tools().forget(sessionId);
        }
    }

    /** The pacer's messages. */
    private final class Messages implements DownlinkMessages {
        @Override
        public String ttsStart() {
            return ttsStartJson;
        }

        @Override
        public String sentenceStart(String text) {
            return ServerMessages.ttsSentenceStart(sessionId, text);
        }

        @Override
        public String ttsStop() {
            return ServerMessages.ttsStop(sessionId);
        }
    }
}
