package io.xiaozhi.pipeline.gateway.downlink;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A {@link DeviceSink} that records what was sent and when, by the scheduler's clock. */
final class RecordingSink implements DeviceSink, DownlinkMessages {

    /** One message sent: {@code what} is {@code start}, {@code stop}, {@code sentence:<text>} or {@code packet:<id>}. */
    record Sent(long atMillis, String what) {
        boolean isPacket() {
            return what.startsWith("packet:");
        }

        int packetId() {
            return Integer.parseInt(what.substring("packet:".length()));
        }
    }

    private final DownlinkScheduler clock;
    private final List<Sent> sent = new ArrayList<>();

    RecordingSink(DownlinkScheduler clock) {
        this.clock = clock;
    }

    static byte[] packet(int id) {
        return ByteBuffer.allocate(4).putInt(id).array();
    }

    static List<byte[]> packets(int firstId, int count) {
        List<byte[]> packets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            packets.add(packet(firstId + i));
        }
        return packets;
    }

    List<Sent> sent() {
        return sent;
    }

    List<String> whats() {
        return sent.stream().map(Sent::what).toList();
    }

    List<Sent> packetsSent() {
        return sent.stream().filter(Sent::isPacket).toList();
    }

    List<Long> packetTimes() {
        return packetsSent().stream().map(Sent::atMillis).toList();
    }

    List<Integer> packetIds() {
        return packetsSent().stream().map(Sent::packetId).toList();
    }

    Sent last() {
        return sent.get(sent.size() - 1);
    }

    @Override
    public void sendJson(String json) {
        sent.add(new Sent(clock.nowMillis(), json));
    }

    @Override
    public void sendAudio(byte[] packet) {
        sent.add(new Sent(clock.nowMillis(), "packet:" + ByteBuffer.wrap(packet).getInt()));
    }

    @Override
    public String ttsStart() {
        return "start";
    }

    @Override
    public String sentenceStart(String text) {
        return "sentence:" + text;
    }

    @Override
    public String ttsStop() {
        return "stop";
    }
}
