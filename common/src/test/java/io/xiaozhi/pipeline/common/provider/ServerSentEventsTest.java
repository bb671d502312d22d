package io.xiaozhi.pipeline.common.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSentEventsTest {

    private static ServerSentEvents.End read(String stream, List<String> events) throws IOException {
        return ServerSentEvents.read(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), data -> {
            events.add(data);
            return true;
        });
    }

    @Test
    void dataEventsAreDeliveredUntilDone() throws IOException {
        List<String> events = new ArrayList<>();
        ServerSentEvents.End end = read(": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\ndata:{\"b\":2}\r\n\r\ndata: [DONE]\n\ndata: after\n\n", events);
        assertThat(end).isEqualTo(ServerSentEvents.End.DONE);
        assertThat(events).containsExactly("{\"a\":1}", "{\"b\":2}");
    }

    @Test
    void multiLineDataIsJoinedAndUnicodeSurvives() throws IOException {
        List<String> events = new ArrayList<>();
        read("data: 你好\ndata: 世界 😀\n\n", events);
        assertThat(events).containsExactly("你好\n世界 😀");
    }

    @Test
    void aStreamThatStopsWithoutDoneSaysSo() throws IOException {
        List<String> events = new ArrayList<>();
        assertThat(read("data: one\n\ndata: tw", events)).isEqualTo(ServerSentEvents.End.EOF);
        assertThat(events).containsExactly("one", "tw");
    }

    @Test
    void theListenerCanStopReading() throws IOException {
        List<String> events = new ArrayList<>();
        ServerSentEvents.End end = ServerSentEvents.read(new ByteArrayInputStream("data: 1\n\ndata: 2\n\n".getBytes()), data -> {
            events.add(data);
            return false;
        });
        assertThat(end).isEqualTo(ServerSentEvents.End.STOPPED);
        assertThat(events).containsExactly("1");
    }

    @Test
    void anEndlessLineIsRefused() {
        byte[] huge = new byte[ServerSentEvents.MAX_LINE_BYTES + 10];
        java.util.Arrays.fill(huge, (byte) 'a');
        assertThatThrownBy(() -> ServerSentEvents.read(new ByteArrayInputStream(huge), data -> true))
                .isInstanceOf(IOException.class).hasMessageContaining("longer than");
    }
}
