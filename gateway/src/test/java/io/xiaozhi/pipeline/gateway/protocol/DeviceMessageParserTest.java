package io.xiaozhi.pipeline.gateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceMessageParserTest {

    private final DeviceMessageParser parser = new DeviceMessageParser();

    @Test
    void firmwareHello() {
        DeviceMessage.Hello hello = parse("""
                {"type":"hello","version":1,"features":{"mcp":true,"aec":true},"transport":"websocket",
                 "audio_params":{"format":"opus","sample_rate":16000,"channels":1,"frame_duration":60}}""",
                DeviceMessage.Hello.class);
        assertThat(hello.version()).isEqualTo(1);
        assertThat(hello.features().mcp()).isTrue();
        assertThat(hello.features().aec()).isTrue();
        assertThat(hello.transport()).isEqualTo("websocket");
        assertThat(hello.audioParams()).isEqualTo(new AudioParams("opus", 16000, 1, 60));
        assertThat(hello.sessionId()).isEmpty();
    }

    @Test
    void helloWithOtherAudioParams() {
        DeviceMessage.Hello hello = parse("""
                {"type":"hello","version":3,"transport":"websocket","session_id":"abc",
                 "audio_params":{"format":"opus","sample_rate":24000,"channels":2,"frame_duration":20}}""",
                DeviceMessage.Hello.class);
        assertThat(hello.version()).isEqualTo(3);
        assertThat(hello.sessionId()).isEqualTo("abc");
        assertThat(hello.audioParams()).isEqualTo(new AudioParams("opus", 24000, 2, 20));
        assertThat(hello.features()).isEqualTo(DeviceMessage.Features.NONE);
    }

    @Test
    void helloWithoutAudioParamsFallsBack() {
        DeviceMessage.Hello hello = parse("{\"type\":\"hello\"}", DeviceMessage.Hello.class);
        assertThat(hello.audioParams()).isEqualTo(AudioParams.DEVICE_DEFAULT);
        assertThat(hello.audioParams()).isEqualTo(new AudioParams("opus", 16000, 1, 60));
        assertThat(hello.version()).isEqualTo(1);
        assertThat(hello.transport()).isEqualTo("websocket");
        assertThat(hello.features().mcp()).isFalse();
    }

    @Test
    void helloWithNullAudioParamsFallsBack() {
        assertThat(parse("{\"type\":\"hello\",\"audio_params\":null}", DeviceMessage.Hello.class).audioParams())
                .isEqualTo(AudioParams.DEVICE_DEFAULT);
    }

    @Test
    void helloWithCamelCaseAudioParams() {
        DeviceMessage.Hello hello = parse("""
                {"type":"hello","audioParams":{"format":"opus","sampleRate":8000,"channels":1,"frameDuration":40}}""",
                DeviceMessage.Hello.class);
        assertThat(hello.audioParams()).isEqualTo(new AudioParams("opus", 8000, 1, 40));
    }

    @Test
    void helloWithPartialAudioParamsFillsTheRest() {
        DeviceMessage.Hello hello = parse("{\"type\":\"hello\",\"audio_params\":{\"sample_rate\":\"24000\"}}",
                DeviceMessage.Hello.class);
        assertThat(hello.audioParams()).isEqualTo(new AudioParams("opus", 24000, 1, 60));
    }

    @Test
    void helloWithUnknownFieldsKeepsAllFeatures() {
        DeviceMessage.Hello hello = parse("""
                {"type":"hello","version":1,"text_font":"x","board":{"a":[1,2]},
                 "features":{"mcp":1,"aec":"false","camera":true}}""", DeviceMessage.Hello.class);
        assertThat(hello.features().mcp()).isTrue();
        assertThat(hello.features().aec()).isFalse();
        assertThat(hello.features().all()).containsOnlyKeys("mcp", "aec", "camera");
        assertThat(hello.features().all().get("camera").booleanValue()).isTrue();
    }

    @Test
    void helloWithWrongFieldTypesIsBad() {
        assertBad("{\"type\":\"hello\",\"audio_params\":\"opus\"}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"hello\",\"audio_params\":{\"sample_rate\":\"fast\"}}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"hello\",\"features\":[\"mcp\"]}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"hello\",\"features\":{\"mcp\":\"yes\"}}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"hello\",\"version\":{}}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"hello\",\"transport\":5}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @Test
    void helloWithImpossibleAudioIsBad() {
        assertBad("{\"type\":\"hello\",\"audio_params\":{\"sample_rate\":0}}", BadInputReason.INVALID_FIELD_VALUE);
        assertBad("{\"type\":\"hello\",\"audio_params\":{\"channels\":-1}}", BadInputReason.INVALID_FIELD_VALUE);
        assertBad("{\"type\":\"hello\",\"audio_params\":{\"sample_rate\":99999999999}}", BadInputReason.INVALID_FIELD_VALUE);
    }

    @Test
    void listenStartWithEachMode() {
        for (ListenMode mode : ListenMode.values()) {
            DeviceMessage.Listen listen = parse("{\"session_id\":\"S\",\"type\":\"listen\",\"state\":\"start\",\"mode\":\""
                    + mode.wireName() + "\"}", DeviceMessage.Listen.class);
            assertThat(listen).isEqualTo(new DeviceMessage.Listen("S", ListenState.START, Optional.of(mode), Optional.empty()));
        }
    }

    @Test
    void listenWithoutModeKeepsTheSessionsMode() {
        DeviceMessage.Listen listen = parse("{\"type\":\"listen\",\"state\":\"start\"}", DeviceMessage.Listen.class);
        assertThat(listen.requestedMode()).isEmpty();
        assertThat(listen.modeOr(ListenMode.DEFAULT)).isEqualTo(ListenMode.AUTO);
        assertThat(listen.modeOr(ListenMode.MANUAL)).isEqualTo(ListenMode.MANUAL);
    }

    @Test
    void listenWithAnUnknownModeIsAuto() {
        DeviceMessage.Listen listen = parse("{\"type\":\"listen\",\"state\":\"start\",\"mode\":\"dreaming\"}",
                DeviceMessage.Listen.class);
        assertThat(listen.requestedMode()).contains(ListenMode.AUTO);
    }

    @Test
    void listenStop() {
        assertThat(parse("{\"session_id\":\"S\",\"type\":\"listen\",\"state\":\"stop\"}", DeviceMessage.Listen.class))
                .isEqualTo(new DeviceMessage.Listen("S", ListenState.STOP, Optional.empty(), Optional.empty()));
    }

    @Test
    void listenDetect() {
        assertThat(parse("{\"session_id\":\"S\",\"type\":\"listen\",\"state\":\"detect\",\"text\":\"你好小智\"}",
                DeviceMessage.Listen.class))
                .isEqualTo(new DeviceMessage.Listen("S", ListenState.DETECT, Optional.empty(), Optional.of("你好小智")));
    }

    @Test
    void listenProblems() {
        assertBad("{\"type\":\"listen\"}", BadInputReason.MISSING_FIELD);
        assertBad("{\"type\":\"listen\",\"state\":\"sing\"}", BadInputReason.INVALID_FIELD_VALUE);
        assertBad("{\"type\":\"listen\",\"state\":1}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"listen\",\"state\":\"start\",\"mode\":true}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":\"listen\",\"state\":\"detect\",\"text\":[\"hi\"]}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @Test
    void abortWithAndWithoutReason() {
        assertThat(parse("{\"session_id\":\"S\",\"type\":\"abort\",\"reason\":\"wake_word_detected\"}", DeviceMessage.Abort.class))
                .isEqualTo(new DeviceMessage.Abort("S", Optional.of("wake_word_detected")));
        assertThat(parse("{\"type\":\"abort\"}", DeviceMessage.Abort.class))
                .isEqualTo(new DeviceMessage.Abort("", Optional.empty()));
        assertBad("{\"type\":\"abort\",\"reason\":42}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @Test
    void mcpKeepsThePayload() throws Exception {
        DeviceMessage.Mcp mcp = parse("{\"session_id\":\"S\",\"type\":\"mcp\",\"payload\":{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}}",
                DeviceMessage.Mcp.class);
        assertThat(mcp.sessionId()).isEqualTo("S");
        assertThat(mcp.payload()).isEqualTo(new ObjectMapper().readTree("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"));
        assertBad("{\"type\":\"mcp\"}", BadInputReason.MISSING_FIELD);
        assertBad("{\"type\":\"mcp\",\"payload\":\"x\"}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @Test
    void iotDescriptorsAndStates() {
        DeviceMessage.Iot descriptors = parse("{\"type\":\"iot\",\"update\":true,\"descriptors\":[{\"name\":\"Speaker\"}]}",
                DeviceMessage.Iot.class);
        assertThat(descriptors.update()).isTrue();
        assertThat(descriptors.descriptors()).hasValueSatisfying(d -> assertThat(d.get(0).get("name").asText()).isEqualTo("Speaker"));
        assertThat(descriptors.states()).isEmpty();
        DeviceMessage.Iot states = parse("{\"type\":\"iot\",\"states\":[]}", DeviceMessage.Iot.class);
        assertThat(states.update()).isFalse();
        assertThat(states.states()).hasValueSatisfying(s -> assertThat(s.isArray()).isTrue());
        assertBad("{\"type\":\"iot\",\"descriptors\":{}}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @Test
    void ping() {
        assertThat(parse("{\"type\":\"ping\"}", DeviceMessage.Ping.class)).isEqualTo(new DeviceMessage.Ping(""));
    }

    @Test
    void unknownTypeIsKept() {
        DeviceMessage.Unknown unknown = parse("{\"type\":\"goodbye\",\"session_id\":\"S\",\"x\":1}", DeviceMessage.Unknown.class);
        assertThat(unknown.type()).isEqualTo("goodbye");
        assertThat(unknown.sessionId()).isEqualTo("S");
        assertThat(unknown.raw().get("x").asInt()).isEqualTo(1);
        assertThat(parse("{\"type\":\"Hello\"}", DeviceMessage.Unknown.class).type()).isEqualTo("Hello");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"ping\"}",
        "{\"type\":\"ping\",\"session_id\":\"\"}",
        "{\"type\":\"ping\",\"session_id\":null}"
    })
    void missingOrEmptySessionIdIsAccepted(String text) {
        assertThat(parse(text, DeviceMessage.Ping.class).sessionId()).isEmpty();
    }

    @Test
    void numericSessionIdIsReadAsText() {
        assertThat(parse("{\"type\":\"ping\",\"session_id\":12}", DeviceMessage.Ping.class).sessionId()).isEqualTo("12");
        assertBad("{\"type\":\"ping\",\"session_id\":{}}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{", "{\"type\":\"ping\"", "{type:ping}", "{'type':'ping'}", "{\"type\":\"ping\"} x",
        "{\"type\":\"ping\"}{}", "nul", "{\"type\":\"ping\",}", "\"unterminated"})
    void malformedJson(String text) {
        assertBad(text, BadInputReason.MALFORMED_JSON);
    }

    @Test
    void nullTextIsMalformed() {
        assertThat(parser.parse(null)).isInstanceOf(ParseResult.Bad.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "null", "true"})
    void notAnObject(String text) {
        assertBad(text, BadInputReason.NOT_AN_OBJECT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"type\":null}", "{\"type\":\"\"}", "{\"session_id\":\"S\",\"state\":\"start\"}"})
    void missingType(String text) {
        assertBad(text, BadInputReason.MISSING_TYPE);
    }

    @Test
    void nonStringTypeIsAWrongFieldType() {
        assertBad("{\"type\":7}", BadInputReason.WRONG_FIELD_TYPE);
        assertBad("{\"type\":{\"name\":\"hello\"}}", BadInputReason.WRONG_FIELD_TYPE);
    }

    @Test
    void textOverTheLimitIsBad() {
        String padding = "x".repeat(DeviceMessageParser.DEFAULT_MAX_TEXT_BYTES);
        assertBad("{\"type\":\"ping\",\"pad\":\"" + padding + "\"}", BadInputReason.TEXT_TOO_LARGE);
    }

    @Test
    void limitCountsUtf8Bytes() {
        DeviceMessageParser small = new DeviceMessageParser(40);
        String fits = "{\"type\":\"ping\",\"t\":\"" + "a".repeat(10) + "\"}";
        String tooLarge = "{\"type\":\"ping\",\"t\":\"" + "你".repeat(10) + "\"}";
        assertThat(fits.length()).isEqualTo(tooLarge.length());
        assertThat(small.parse(fits)).isInstanceOf(ParseResult.Ok.class);
        assertThat(((ParseResult.Bad<DeviceMessage>) small.parse(tooLarge)).reason()).isEqualTo(BadInputReason.TEXT_TOO_LARGE);
        assertThat(DeviceMessageParser.utf8Length("a你😀")).isEqualTo(1 + 3 + 4);
    }

    @Test
    void deepNestingIsBad() {
        String deep = "{\"type\":\"ping\",\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
        assertBad(deep, BadInputReason.JSON_TOO_DEEP);
    }

    @Test
    void detailsAreShortAndSingleLine() {
        ParseResult<DeviceMessage> result = parser.parse("{\"type\":\"ping\"\n\n,,,}");
        assertThat(result).isInstanceOf(ParseResult.Bad.class);
        assertThat(((ParseResult.Bad<DeviceMessage>) result).detail()).doesNotContain("\n").isNotBlank();
    }

    private <T extends DeviceMessage> T parse(String text, Class<T> type) {
        ParseResult<DeviceMessage> result = parser.parse(text);
        assertThat(result).as(text).isInstanceOf(ParseResult.Ok.class);
        DeviceMessage message = ((ParseResult.Ok<DeviceMessage>) result).value();
        assertThat(message).isInstanceOf(type);
        return type.cast(message);
    }

    private void assertBad(String text, BadInputReason reason) {
        ParseResult<DeviceMessage> result = parser.parse(text);
        assertThat(result).as(text).isInstanceOf(ParseResult.Bad.class);
        assertThat(((ParseResult.Bad<DeviceMessage>) result).reason()).as(text).isEqualTo(reason);
        assertThat(((ParseResult.Bad<DeviceMessage>) result).detail()).as(text).isNotBlank();
    }
}
