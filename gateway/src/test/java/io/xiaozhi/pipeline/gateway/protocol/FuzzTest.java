package io.xiaozhi.pipeline.gateway.protocol;

import io.xiaozhi.pipeline.common.text.Emotions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random input into every decoder: only results come out, never exceptions. Seeded, so failures repeat. */
class FuzzTest {

    private static final int ITERATIONS = 5_000;
    private static final String SPECIAL = "{}[]\":,\u200D\uFE0F\u20E3\uD83C\uDDE8";
    private static final List<String> FRAGMENTS = List.of(
            "{", "}", "[", "]", ":", ",", "\"", "\\", "type", "\"type\"", "\"hello\"", "\"listen\"", "\"state\"",
            "\"start\"", "\"detect\"", "\"mode\"", "\"mcp\"", "\"payload\"", "\"iot\"", "\"abort\"", "\"ping\"",
            "\"audio_params\"", "\"audioParams\"", "\"sample_rate\"", "\"features\"", "\"session_id\"", "null",
            "true", "false", "0", "-1", "1e400", "99999999999999999999", "\"\\u0000\"", "\uD800", "😀", " ", "\n");

    @Test
    void randomBytesIntoEveryFraming() {
        Random random = new Random(20251127L);
        Set<Class<?>> seen = new HashSet<>();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length >= 4 && random.nextBoolean()) {
                plausibleHeader(bytes, random);
            }
            for (int version = 1; version <= 3; version++) {
                DecodedFrame frame = BinaryFraming.forVersion(version).decode(bytes);
                seen.add(frame.getClass());
                DecodedFrame fromBuffer = BinaryFraming.forVersion(version).decode(ByteBuffer.wrap(bytes));
                assertThat(fromBuffer.getClass()).isEqualTo(frame.getClass());
                if (frame instanceof DecodedFrame.JsonText json) {
                    assertThat(new DeviceMessageParser().parse(json.json())).isNotNull();
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(DecodedFrame.AudioPacket.class, DecodedFrame.JsonText.class, DecodedFrame.BadFrame.class);
    }

    @Test
    void randomStringsIntoTheMessageParser() {
        Random random = new Random(7L);
        DeviceMessageParser parser = new DeviceMessageParser();
        Set<BadInputReason> reasons = new HashSet<>();
        for (int i = 0; i < ITERATIONS; i++) {
            String text = random.nextBoolean() ? randomChars(random) : randomFragments(random);
            ParseResult<DeviceMessage> result = parser.parse(text);
            assertThat(result).as(text).isNotNull();
            if (result instanceof ParseResult.Bad<DeviceMessage> bad) {
                assertThat(bad.detail()).as(text).isNotBlank();
                reasons.add(bad.reason());
            }
        }
        assertThat(reasons).contains(BadInputReason.MALFORMED_JSON, BadInputReason.NOT_AN_OBJECT);
    }

    @Test
    void mutatedValidMessagesIntoTheParsers() {
        Random random = new Random(99L);
        DeviceMessageParser parser = new DeviceMessageParser();
        Set<Class<?>> seen = new HashSet<>();
        List<String> valid = List.of(
                "{\"type\":\"hello\",\"version\":1,\"features\":{\"mcp\":true},\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}",
                "{\"session_id\":\"S\",\"type\":\"listen\",\"state\":\"detect\",\"text\":\"你好小智\"}",
                "{\"type\":\"mcp\",\"payload\":{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"self.a\"}],\"nextCursor\":\"x\"}}}",
                "{\"type\":\"iot\",\"update\":true,\"states\":[]}");
        for (int i = 0; i < ITERATIONS; i++) {
            StringBuilder text = new StringBuilder(valid.get(random.nextInt(valid.size())));
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(text.length());
                if (random.nextBoolean()) {
                    text.deleteCharAt(at);
                } else {
                    text.insert(at, FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
                }
            }
            ParseResult<DeviceMessage> result = parser.parse(text.toString());
            if (result instanceof ParseResult.Ok<DeviceMessage> ok && ok.value() instanceof DeviceMessage.Mcp mcp) {
                ParseResult<McpResponse> response = McpResponses.parse(mcp.payload());
                assertThat(response).isNotNull();
                JsonNode rpcResult = mcp.payload().get("result");
                assertThat(McpResponses.toolPage(rpcResult)).isNotNull();
                assertThat(McpResponses.toolCall(rpcResult)).isNotNull();
                seen.add(mcp.getClass());
            }
            seen.add(result.getClass());
        }
        assertThat(seen).contains(ParseResult.Ok.class, ParseResult.Bad.class, DeviceMessage.Mcp.class);
    }

    @Test
    void randomStringsIntoEmotions() {
        Random random = new Random(3L);
        for (int i = 0; i < ITERATIONS; i++) {
            String text = randomChars(random);
            Emotions.Leading leading = Emotions.extract(text);
            assertThat(text).endsWith(leading.text());
        }
    }

    private static void plausibleHeader(byte[] bytes, Random random) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (bytes.length >= 16 && random.nextBoolean()) {
            buffer.putShort(0, (short) 2).putShort(2, (short) random.nextInt(3)).putInt(12, bytes.length - 16 + random.nextInt(3) - 1);
        } else {
            buffer.put(0, (byte) random.nextInt(2)).putShort(2, (short) (bytes.length - 4 + random.nextInt(3) - 1));
        }
    }

    private static String randomChars(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(4);
            if (kind == 0) {
                text.append((char) random.nextInt(0x80));
            } else if (kind == 1) {
                text.append((char) random.nextInt(0x10000));
            } else if (kind == 2) {
                text.appendCodePoint(0x1F000 + random.nextInt(0xB00));
            } else {
                text.append(SPECIAL.charAt(random.nextInt(SPECIAL.length())));
            }
        }
        return text.toString();
    }

    private static String randomFragments(Random random) {
        StringBuilder text = new StringBuilder();
        int count = random.nextInt(20);
        for (int i = 0; i < count; i++) {
            text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
        }
        return text.toString();
    }
}
