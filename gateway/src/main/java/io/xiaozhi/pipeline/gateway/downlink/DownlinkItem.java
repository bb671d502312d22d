package io.xiaozhi.pipeline.gateway.downlink;

/** What a {@link TurnAssembler} releases, strictly in playback order. */
public sealed interface DownlinkItem {

    /** The beginning of sentence {@code seq}: its text, shown by the device while it plays. */
    record SentenceStart(int seq, String text) implements DownlinkItem {
    }

    /** One Opus packet (60 ms) of sentence {@code seq}. */
    record AudioPacket(int seq, byte[] packet) implements DownlinkItem {
    }

    /** The turn's last sentence has been released completely. */
    record TurnEnd() implements DownlinkItem {
    }
}
