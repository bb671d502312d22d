package io.xiaozhi.pipeline.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import io.xiaozhi.pipeline.gateway.audio.TestAudio;
import io.xiaozhi.pipeline.gateway.pipeline.DownlinkRecord;
import io.xiaozhi.pipeline.gateway.protocol.BadInputLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A session driven directly, with the device's side recorded and the pipeline a mock producer. */
class DeviceSessionTest {

    private final ObjectMapper json = new ObjectMapper();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final List<String> texts = new CopyOnWriteArrayList<>();
    private final List<byte[]> binaries = new CopyOnWriteArrayList<>();
    private final DeviceSession.Transport transport = new DeviceSession.Transport() {
        @Override
        public void sendText(String text) {
            texts.add(text);
        }

        @Override
        public void sendBinary(byte[] frame) {
            binaries.add(frame);
        }

        @Override
        public void close(int code, String reason) {
            closes.add(code + " " + reason);
        }
    };
    private final List<String> closes = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000);

    private DeviceSession session(int protocolVersion, int capacity) {
        return new DeviceSession("s-1", "aa:bb:cc:dd:ee:ff", protocolVersion, transport, TestSessions.services(meters, producer, capacity));
    }

    private JsonNode lastText() throws Exception {
        return json.readTree(texts.get(texts.size() - 1));
    }

    private List<ProducerRecord<String, byte[]>> published(String topic) {
        return producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
    }

    private static List<byte[]> speech() {
        return new OpusEncoding(16_000).encode(TestAudio.silence(600));
    }

    @Test
    void manualModeEndsTheUtteranceOnListenStop() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\"}");
        assertThat(lastText().path("type").asText()).isEqualTo("hello");
        session.onText("{\"session_id\":\"s-1\",\"type\":\"listen\",\"state\":\"start\",\"mode\":\"manual\"}");
        List<byte[]> packets = speech();
        packets.forEach(session::onBinary);
        assertThat(published("asr")).isEmpty();
        session.onText("{\"session_id\":\"s-1\",\"type\":\"listen\",\"state\":\"stop\"}");
        assertThat(published("asr")).hasSize(1);
        assertThat(published("asr").get(0).key()).isEqualTo("s-1");
    }

    @Test
    void detectedTextGoesStraightToTheLanguageModel() {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"what time is it\"}");
        assertThat(published("llm")).singleElement().satisfies(r ->
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("what time is it"));
    }

    @Test
    void aFullStageRefusesAtOnceWithABusyAlert() throws Exception {
        SessionServices shared = TestSessions.services(meters, producer, 1);
        DeviceSession a = new DeviceSession("s-a", "d-a", 1, transport, shared);
        DeviceSession b = new DeviceSession("s-b", "d-b", 1, transport, shared);
        a.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"hello\"}");
        assertThat(published("llm")).hasSize(1);
        b.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"hello too\"}");
        assertThat(published("llm")).as("the second turn is not published").hasSize(1);
        assertThat(texts).anySatisfy(t -> assertThat(t).contains("\"type\":\"alert\"").contains(DeviceSession.BUSY_MESSAGE));
        assertThat(lastText().path("state").asText()).isEqualTo("stop");
        assertThat(meters.get("xiaozhi.gateway.turns.refused").tag("stage", "llm").tag("reason", "local").counter().count()).isEqualTo(1);
    }

    @Test
    void aRefusedTurnHearsTheBusyPromptPacedThenTtsStop() throws Exception {
        java.util.Map<io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts.Prompt, List<byte[]>> audio = java.util.Map.of(
                io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts.Prompt.BUSY, List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}));
        SessionServices shared = TestSessions.services(meters, producer, 1, System::currentTimeMillis,
                new io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts(audio));
        new DeviceSession("s-a", "d-a", 1, transport, shared).onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"one\"}");
        texts.clear();
        new DeviceSession("s-b", "d-b", 1, transport, shared).onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"two\"}");
        long deadline = System.currentTimeMillis() + 10_000;
        while (!texts.get(texts.size() - 1).contains("\"stop\"") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        List<String> kinds = texts.stream().map(t -> {
            try {
                JsonNode node = json.readTree(t);
                return node.path("type").asText() + (node.has("state") ? "/" + node.path("state").asText() : "");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertThat(kinds).containsExactly("alert", "tts/start", "tts/sentence_start", "tts/stop");
        assertThat(texts.get(2)).contains(DeviceSession.BUSY_MESSAGE);
        assertThat(binaries).hasSize(3);
    }

    @Test
    void abortStopsTheTurnAndCancelsItInThePipeline() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"tell me a story\"}");
        String turn = published("llm").get(0).headers().lastHeader("xz.turn") == null ? ""
                : new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onText("{\"session_id\":\"s-1\",\"type\":\"abort\",\"reason\":\"wake_word_detected\"}");
        assertThat(lastText().path("type").asText() + "/" + lastText().path("state").asText()).isEqualTo("tts/stop");
        assertThat(published("control")).singleElement().satisfies(r ->
                assertThat(new String(r.headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8)).isEqualTo(turn));
        int sent = texts.size();
        session.onDownlink(new DownlinkRecord(MessageTypes.STT, "s-1", turn, -1, -1, false, false, "", "late".getBytes(StandardCharsets.UTF_8)));
        assertThat(texts).as("answers of an aborted turn are dropped").hasSize(sent);
    }

    @Test
    void workerErrorsBecomeAnApologyAndTtsStop() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"hi\"}");
        String turn = new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onDownlink(new DownlinkRecord(MessageTypes.TURN_FAILED, "s-1", turn, -1, -1, false, false, "",
                "llm: provider down".getBytes(StandardCharsets.UTF_8)));
        assertThat(texts).anySatisfy(t -> assertThat(json.readTree(t).path("type").asText()).isEqualTo("alert"));
        assertThat(lastText().path("state").asText()).isEqualTo("stop");
    }

    @Test
    void badInputIsCountedAndTheSessionGoesOn() throws Exception {
        DeviceSession session = session(3, 4);
        session.onText("{not json");
        session.onText("{\"type\":\"teleport\"}");
        session.onBinary(new byte[] {0, 0, 0, 9, 1, 2});
        session.onBinary(new byte[0]);
        assertThat(meters.find(BadInputLog.METER).counters()).hasSizeGreaterThanOrEqualTo(3);
        double total = meters.find(BadInputLog.METER).counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(total).isEqualTo(4);
        session.onText("{\"type\":\"hello\"}");
        assertThat(lastText().path("type").asText()).isEqualTo("hello");
    }

    @Test
    void protocolVersionTwoCarriesJsonAndAudioInHeaders() throws Exception {
        DeviceSession session = session(2, 4);
        byte[] hello = "{\"type\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(16 + hello.length);
        frame.putShort((short) 2).putShort((short) 1).putInt(0).putInt(0).putInt(hello.length).put(hello);
        session.onBinary(frame.array());
        assertThat(lastText().path("type").asText()).isEqualTo("hello");
        assertThat(lastText().path("audio_params").path("sample_rate").asInt()).isEqualTo(24000);
    }

    private DeviceSession onClock() {
        return new DeviceSession("s-9", "aa:bb:cc:dd:ee:09", 1, transport, TestSessions.services(meters, producer, 4, now::get));
    }

    @Test
    void aDeviceThatNeverSaysHelloIsClosedAfterTheConnectionTimeout() {
        DeviceSession session = onClock();
        now.addAndGet(29_999);
        assertThat(session.closeIfIdle(now.get())).isFalse();
        now.addAndGet(1);
        assertThat(session.closeIfIdle(now.get())).isTrue();
        assertThat(closes).containsExactly("1000 no hello within 30 s");
    }

    @Test
    void noVoiceForTwoMinutesSaysGoodbyeButTrafficAloneDoesNotCount() {
        DeviceSession session = onClock();
        session.onText("{\"type\":\"hello\"}");
        for (int i = 0; i < 11; i++) {
            now.addAndGet(10_000);
            session.onText("{\"type\":\"ping\"}");
            assertThat(session.closeIfIdle(now.get())).isFalse();
        }
        now.addAndGet(10_000);
        session.onText("{\"type\":\"ping\"}");
        assertThat(session.closeIfIdle(now.get())).isTrue();
        assertThat(closes).containsExactly("1000 goodbye: no voice for 120 s");
        assertThat(meters.get("xiaozhi.gateway.sessions.closed").tag("reason", "no_voice").counter().count()).isEqualTo(1);
    }

    @Test
    void aTurnKeepsTheSessionAliveUntilItEnds() {
        DeviceSession session = onClock();
        session.onText("{\"type\":\"hello\"}");
        now.addAndGet(100_000);
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"tell me a long story\"}");
        now.addAndGet(119_000);
        session.onText("{\"type\":\"ping\"}");
        assertThat(session.closeIfIdle(now.get())).as("a turn is in progress").isFalse();
    }

    @Test
    void nothingReceivedForThreeMinutesClosesEvenDuringATurn() {
        DeviceSession session = onClock();
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"hi\"}");
        now.addAndGet(180_000);
        assertThat(session.closeIfIdle(now.get())).isTrue();
        assertThat(closes).containsExactly("1000 nothing received for 180 s");
    }

    private JsonNode lastMcp() throws Exception {
        JsonNode message = lastText();
        assertThat(message.path("type").asText()).isEqualTo("mcp");
        return message.path("payload");
    }

    private static String result(long id, String result) {
        return "{\"session_id\":\"s-1\",\"type\":\"mcp\",\"payload\":{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}}";
    }

    @Test
    void mcpInitializesListsToolsPageByPageAndForwardsToolCalls() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\",\"features\":{\"mcp\":true}}");
        JsonNode initialize = lastMcp();
        assertThat(initialize.path("method").asText()).isEqualTo("initialize");
        assertThat(initialize.path("params").path("protocolVersion").asText()).isEqualTo("2024-11-05");
        assertThat(initialize.path("params").path("capabilities").path("vision").path("token").asText())
                .isEqualTo("token-of-aa:bb:cc:dd:ee:ff");

        session.onText(result(initialize.path("id").asLong(),
                "{\"protocolVersion\":\"2024-11-05\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"board\",\"version\":\"1.0\"}}"));
        JsonNode list1 = lastMcp();
        assertThat(list1.path("method").asText()).isEqualTo("tools/list");
        session.onText(result(list1.path("id").asLong(), "{\"tools\":[{\"name\":\"self.audio_speaker.set_volume\",\"description\":\"Set volume\","
                + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"volume\":{\"type\":\"integer\"}}}}],\"nextCursor\":\"p2\"}"));
        JsonNode list2 = lastMcp();
        assertThat(list2.path("params").path("cursor").asText()).isEqualTo("p2");
        session.onText(result(list2.path("id").asLong(), "{\"tools\":[{\"name\":\"self.screen.set_brightness\",\"description\":\"Brightness\","
                + "\"inputSchema\":{\"type\":\"object\"}}]}"));
        JsonNode stored = json.readTree(TestSessions.STORE.get("mcp:tools:s-1").orElseThrow());
        assertThat(stored).hasSize(2);
        assertThat(stored.get(0).path("name").asText()).isEqualTo("self.audio_speaker.set_volume");
        assertThat(stored.get(0).path("llm_name").asText()).doesNotContain(".");

        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"louder please\"}");
        String turn = new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onDownlink(new DownlinkRecord(MessageTypes.TOOL_CALL, "s-1", turn, -1, -1, false, false, "",
                "{\"call_id\":\"c-1\",\"name\":\"self.audio_speaker.set_volume\",\"arguments\":{\"volume\":80}}".getBytes(StandardCharsets.UTF_8)));
        JsonNode call = lastMcp();
        assertThat(call.path("method").asText()).isEqualTo("tools/call");
        assertThat(call.path("params").path("arguments").path("volume").asInt()).isEqualTo(80);
        session.onText(result(call.path("id").asLong(), "{\"content\":[{\"type\":\"text\",\"text\":\"true\"}],\"isError\":false}"));

        List<ProducerRecord<String, byte[]>> llm = published("llm");
        assertThat(llm).hasSize(2);
        ProducerRecord<String, byte[]> continuation = llm.get(1);
        assertThat(new String(continuation.headers().lastHeader("xz.type").value(), StandardCharsets.UTF_8)).isEqualTo(MessageTypes.TOOL_RESULT);
        assertThat(new String(continuation.headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8)).isEqualTo(turn);
        JsonNode answer = json.readTree(continuation.value());
        assertThat(answer.path("call_id").asText()).isEqualTo("c-1");
        assertThat(answer.path("result").asText()).isEqualTo("true");
        assertThat(answer.path("is_error").asBoolean()).isFalse();

        session.close();
        assertThat(TestSessions.STORE.get("mcp:tools:s-1")).as("forgotten when the session ends").isEmpty();
    }

    @Test
    void aToolAnswerThatCannotBePublishedEndsTheTurnWithAnApology() throws Exception {
        MockProducer<String, byte[]> failing = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        DeviceSession session = new DeviceSession("s-1", "aa:bb:cc:dd:ee:ff", 1, transport, TestSessions.services(meters, failing, 4));
        // no MCP: the gateway answers the call itself at once ("this device offers no tools")
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"louder please\"}");
        assertThat(failing.completeNext()).as("the turn was published").isTrue();
        String turn = new String(failing.history().get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onDownlink(new DownlinkRecord(MessageTypes.TOOL_CALL, "s-1", turn, -1, -1, false, false, "",
                "{\"call_id\":\"c-1\",\"name\":\"no.such.tool\",\"arguments\":{}}".getBytes(StandardCharsets.UTF_8)));
        assertThat(failing.history()).as("the tool's answer is being published").hasSize(2);
        assertThat(failing.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"))).isTrue();
        assertThat(texts).anySatisfy(text -> assertThat(text).contains("\"type\":\"alert\""));
        assertThat(meters.get("xiaozhi.gateway.turns").tag("outcome", "error").counter().count()).isEqualTo(1);
    }

    @Test
    void aToolCallTheDeviceNeverAnswersEndsInAnErrorResult() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\",\"features\":{\"mcp\":true}}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"dim the screen\"}");
        String turn = new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onDownlink(new DownlinkRecord(MessageTypes.TOOL_CALL, "s-1", turn, -1, -1, false, false, "",
                "{\"call_id\":\"c-2\",\"name\":\"self.screen.set_brightness\",\"arguments\":{}}".getBytes(StandardCharsets.UTF_8)));
        long deadline = System.currentTimeMillis() + 10_000;
        while (published("llm").size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        JsonNode answer = json.readTree(published("llm").get(1).value());
        assertThat(answer.path("is_error").asBoolean()).isTrue();
        assertThat(answer.path("result").asText()).isEqualTo("the device did not answer within 2 s");
    }

    @Test
    void protocolVersionThreeAudioMakesAManualTurn() {
        DeviceSession session = session(3, 4);
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"start\",\"mode\":\"manual\"}");
        List<byte[]> packets = speech();
        for (byte[] packet : packets) {
            ByteBuffer frame = ByteBuffer.allocate(4 + packet.length);
            frame.put((byte) 0).put((byte) 0).putShort((short) packet.length).put(packet);
            session.onBinary(frame.array());
        }
        session.onText("{\"type\":\"listen\",\"state\":\"stop\"}");
        assertThat(published("asr")).singleElement().satisfies(r ->
                assertThat(io.xiaozhi.pipeline.common.envelope.AudioFrames.decode(r.value())).hasSize(packets.size()));
    }

    @Test
    void inRealtimeModeSpeechOverAReplyAbortsIt() {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"start\",\"mode\":\"realtime\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"tell me a story\"}");
        assertThat(published("control")).isEmpty();
        for (byte[] packet : new OpusEncoding(16_000).encode(TestAudio.jfk())) {
            session.onBinary(packet);
            if (!published("control").isEmpty()) {
                break;
            }
        }
        assertThat(published("control")).as("the reply was cancelled when the user spoke").hasSize(1);
        assertThat(meters.get("xiaozhi.gateway.turns").tag("outcome", "aborted").counter().count()).isEqualTo(1);
    }

    @Test
    void aFarewellClosesTheConnectionOnceTheReplyHasPlayed() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"goodbye\"}");
        String turn = new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onDownlink(new DownlinkRecord(MessageTypes.SESSION_END, "s-1", turn, -1, -1, false, false, "", new byte[0]));
        assertThat(closes).as("not before the farewell has played").isEmpty();
        session.onDownlink(new DownlinkRecord(MessageTypes.SENTENCE, "s-1", turn, 0, -1, true, false, "",
                "Goodbye!".getBytes(StandardCharsets.UTF_8)));
        List<byte[]> farewell = new OpusEncoding(24_000).encode(TestAudio.silence(300));
        session.onDownlink(new DownlinkRecord(MessageTypes.AUDIO, "s-1", turn, 0, 0, false, true, "",
                io.xiaozhi.pipeline.common.envelope.AudioFrames.encode(farewell)));
        long deadline = System.currentTimeMillis() + 10_000;
        while (closes.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(closes).containsExactly("1000 goodbye");
        assertThat(texts.get(texts.size() - 1)).as("tts stop went out before the close").contains("\"stop\"");
        assertThat(binaries).as("the farewell's audio was played").hasSize(farewell.size()).isNotEmpty();
        assertThat(meters.get("xiaozhi.gateway.turn.first_audio").timer().count()).as("the turn's first audio was timed once").isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.sessions.closed").tag("reason", "goodbye").counter().count()).isEqualTo(1);
    }

    @Test
    void aRepeatedSttIsShownOnce() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"what time is it\"}");
        String turn = new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        for (int i = 0; i < 2; i++) {
            session.onDownlink(new DownlinkRecord(MessageTypes.STT, "s-1", turn, -1, -1, false, false, "",
                    "what time is it".getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(texts.stream().filter(t -> t.contains("\"type\":\"stt\"")).count()).isEqualTo(1);
    }

    @Test
    void aFarewellAfterTheReplyClosesAtOnce() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"bye\"}");
        String turn = new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        session.onDownlink(new DownlinkRecord(MessageTypes.TURN_END, "s-1", turn, -1, -1, false, false, "", new byte[0]));
        long deadline = System.currentTimeMillis() + 10_000;
        while (!texts.get(texts.size() - 1).contains("\"stop\"") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(closes).isEmpty();
        session.onDownlink(new DownlinkRecord(MessageTypes.SESSION_END, "s-1", turn, -1, -1, false, false, "", new byte[0]));
        assertThat(closes).containsExactly("1000 goodbye");
    }

    @Test
    void pingIsAnswered() throws Exception {
        DeviceSession session = session(1, 4);
        session.onText("{\"type\":\"ping\"}");
        assertThat(lastText().path("type").asText()).isEqualTo("pong");
    }

    @Test
    void theTurnsOverheadIsItsFirstAudioLatencyLessTheProvidersShare() throws Exception {
        DeviceSession session = session(1, 4);
        String turn = helloThenText(session);
        assertThat(io.xiaozhi.pipeline.common.envelope.HeaderValues.providerMillis(published("llm").get(0).headers()))
                .as("text needs no transcription: the providers' share starts at 0").isZero();
        Thread.sleep(120);
        replyWithOneChunk(session, turn, 100);
        io.micrometer.core.instrument.Timer firstAudio = meters.get("xiaozhi.gateway.turn.first_audio").timer();
        io.micrometer.core.instrument.Timer overhead = meters.get("xiaozhi.gateway.turn.overhead").timer();
        assertThat(firstAudio.count()).isEqualTo(1);
        assertThat(overhead.count()).isEqualTo(1);
        double latency = firstAudio.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
        assertThat(latency).isGreaterThanOrEqualTo(120);
        assertThat(overhead.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(latency - 100);
        io.micrometer.core.instrument.Timer gatewaySegment = meters.get("xiaozhi.gateway.turn.segment").tag("segment", "gateway").timer();
        assertThat(gatewaySegment.count()).as("the chunk's timings give the segments").isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.turn.segment").tag("segment", "tts").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(7);
        assertThat(meters.get("xiaozhi.gateway.turn.segment").tag("segment", "asr").timer().count()).as("a text turn has no ASR").isZero();
    }

    @Test
    void aTurnWhoseAudioCarriesNoProviderShareHasNoOverheadMeasured() throws Exception {
        DeviceSession session = session(1, 4);
        replyWithOneChunk(session, helloThenText(session), -1);
        assertThat(meters.get("xiaozhi.gateway.turn.first_audio").timer().count()).isEqualTo(1);
        assertThat(meters.get("xiaozhi.gateway.turn.overhead").timer().count()).isZero();
        assertThat(meters.get("xiaozhi.gateway.turn.segment").tag("segment", "gateway").timer().count()).as("nor timings").isZero();
    }

    /** Hello, then a text turn; returns the turn's id. */
    private String helloThenText(DeviceSession session) {
        session.onText("{\"type\":\"hello\"}");
        session.onText("{\"type\":\"listen\",\"state\":\"detect\",\"text\":\"hello there\"}");
        return new String(published("llm").get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
    }

    /** A one-sentence reply of one chunk carrying {@code providerMillis}; waits until its first packet went out. */
    private void replyWithOneChunk(DeviceSession session, String turn, long providerMillis) throws InterruptedException {
        session.onDownlink(new DownlinkRecord(MessageTypes.SENTENCE, "s-1", turn, 0, -1, true, false, "",
                "Hi!".getBytes(StandardCharsets.UTF_8)));
        session.onDownlink(new DownlinkRecord(MessageTypes.AUDIO, "s-1", turn, 0, 0, false, true, "",
                io.xiaozhi.pipeline.common.envelope.AudioFrames.encode(new OpusEncoding(24_000).encode(TestAudio.silence(300))),
                providerMillis, providerMillis < 0 ? java.util.Map.of()
                        : java.util.Map.of("eos", 1_000L, "llm.start", 1_010L, "llm.sent", 1_050L, "tts.start", 1_060L, "tts", 1_067L)));
        long deadline = System.currentTimeMillis() + 10_000;
        while (meters.get("xiaozhi.gateway.turn.first_audio").timer().count() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }
}
