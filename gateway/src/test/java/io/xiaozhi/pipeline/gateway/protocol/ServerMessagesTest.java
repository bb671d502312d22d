package io.xiaozhi.pipeline.gateway.protocol;

import io.xiaozhi.pipeline.common.text.Emotions;

import io.xiaozhi.pipeline.common.text.Emotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ServerMessagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void helloWithTheDefaultDownlink() {
        assertJson(ServerMessages.hello("S1"), """
                {"type":"hello","transport":"websocket","session_id":"S1",
                 "audio_params":{"format":"opus","sample_rate":24000,"channels":1,"frame_duration":60}}""");
    }

    @Test
    void helloWithAnotherDownlink() {
        assertJson(ServerMessages.hello("S1", new AudioParams("opus", 16000, 1, 20)), """
                {"type":"hello","transport":"websocket","session_id":"S1",
                 "audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":20}}""");
    }

    @Test
    void helloStartsWithItsType() {
        assertThat(ServerMessages.hello("S1")).startsWith("{\"type\":\"hello\"");
    }

    @Test
    void stt() {
        assertJson(ServerMessages.stt("S", "今天天气怎么样\"?"), "{\"type\":\"stt\",\"text\":\"今天天气怎么样\\\"?\",\"session_id\":\"S\"}");
    }

    @Test
    void ttsStates() {
        assertJson(ServerMessages.ttsStart("S"), "{\"type\":\"tts\",\"state\":\"start\",\"session_id\":\"S\"}");
        assertJson(ServerMessages.ttsSentenceStart("S", "你好。"),
                "{\"type\":\"tts\",\"state\":\"sentence_start\",\"text\":\"你好。\",\"session_id\":\"S\"}");
        assertJson(ServerMessages.ttsStop("S"), "{\"type\":\"tts\",\"state\":\"stop\",\"session_id\":\"S\"}");
    }

    @Test
    void llm() {
        assertJson(ServerMessages.llm("S", "😀", Emotion.HAPPY), "{\"type\":\"llm\",\"text\":\"😀\",\"emotion\":\"happy\",\"session_id\":\"S\"}");
        assertJson(ServerMessages.llm("S", Emotions.extract("今天真好")),
                "{\"type\":\"llm\",\"text\":\"🙂\",\"emotion\":\"neutral\",\"session_id\":\"S\"}");
        assertJson(ServerMessages.llm("S", Emotions.extract("😭 好难过")),
                "{\"type\":\"llm\",\"text\":\"😭\",\"emotion\":\"crying\",\"session_id\":\"S\"}");
    }

    @Test
    void alertHasAllThreeFields() {
        assertJson(ServerMessages.alert("Warning", "服务器繁忙", Emotion.SAD),
                "{\"type\":\"alert\",\"status\":\"Warning\",\"message\":\"服务器繁忙\",\"emotion\":\"sad\"}");
        assertThatThrownBy(() -> ServerMessages.alert("Warning", "", Emotion.SAD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerMessages.alert(null, "m", Emotion.SAD)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ServerMessages.alert("Warning", "m", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void mcp() throws Exception {
        JsonNode payload = JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{}}");
        assertJson(ServerMessages.mcp(payload), "{\"type\":\"mcp\",\"payload\":{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{}}}");
        assertThatThrownBy(() -> ServerMessages.mcp(JSON.readTree("[]"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void system() {
        assertJson(ServerMessages.system("reboot"), "{\"type\":\"system\",\"command\":\"reboot\"}");
        assertThatThrownBy(() -> ServerMessages.system(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pong() {
        assertJson(ServerMessages.pong(1_764_230_400_123L), "{\"type\":\"pong\",\"timestamp\":1764230400123}");
    }

    @Test
    void everyEmotionHasTheFirmwareName() {
        assertThat(Emotion.values()).extracting(Emotion::wireName).containsExactly(
                "neutral", "happy", "laughing", "funny", "sad", "angry", "crying", "loving", "embarrassed",
                "surprised", "shocked", "thinking", "winking", "cool", "relaxed", "delicious", "kissy", "confident",
                "sleepy", "silly", "confused");
    }

    @Test
    void missingSessionIdIsRefused() {
        assertThatThrownBy(() -> ServerMessages.ttsStart("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerMessages.stt(null, "x")).isInstanceOf(NullPointerException.class);
    }

    private static void assertJson(String actual, String expected) {
        try {
            assertThat(JSON.readTree(actual)).isEqualTo(JSON.readTree(expected));
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + actual, e);
        }
    }
}
