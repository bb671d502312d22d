package io.xiaozhi.pipeline.gateway.protocol;

import java.util.Objects;

/** What one binary WebSocket message from a device holds, once its framing is removed. */
public sealed interface DecodedFrame {

    /**
     * One Opus packet. Like every record holding an array, its {@code equals} compares the array by
     * identity; compare {@link #opus()} contents instead.
     *
     * @param opus the packet; the array is owned by this record and not shared with the input
     * @param timestampMs the header's timestamp (version 2), or 0 when the framing carries none
     */
    record AudioPacket(byte[] opus, long timestampMs) implements DecodedFrame {
        /** Checks the packet. */
        public AudioPacket {
            Objects.requireNonNull(opus, "opus");
        }
    }

    /**
     * A JSON message carried in a binary frame (version 2, type 1), as text for the message parser.
     *
     * @param json the payload decoded as UTF-8
     */
    record JsonText(String json) implements DecodedFrame {
        /** Checks the text. */
        public JsonText {
            Objects.requireNonNull(json, "json");
        }
    }

    /**
     * A frame that was rejected: count it, drop it, keep the session.
     *
     * @param reason why
     * @param detail a short explanation with the numbers involved
     */
    record BadFrame(BadInputReason reason, String detail) implements DecodedFrame {
        /** Checks the reason and the detail. */
        public BadFrame {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
