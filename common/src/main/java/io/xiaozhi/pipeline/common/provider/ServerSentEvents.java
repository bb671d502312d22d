package io.xiaozhi.pipeline.common.provider;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Reads a {@code text/event-stream} body (the streaming form of the chat completions API): each event's
 * {@code data:} lines joined by newlines, dispatched on a blank line. Comments ({@code :}) and other
 * fields ({@code event:}, {@code id:}, {@code retry:}) are ignored. Reading stops at {@code [DONE]}, at
 * the end of the stream, or when the listener asks to stop.
 *
 * <p>A line longer than {@value #MAX_LINE_BYTES} bytes is refused with an {@link IOException} rather
 * than buffered without bound.
 */
public final class ServerSentEvents {

    public static final int MAX_LINE_BYTES = 1 << 20;

    /** Receives each event's data; returns {@code false} to stop reading. */
    @FunctionalInterface
    public interface Listener {
        boolean onData(String data) throws IOException;
    }

    /** How a stream ended. */
    public enum End {
        /** The server sent {@code data: [DONE]}. */
        DONE,
        /** The stream ended without {@code [DONE]}. */
        EOF,
        /** The listener asked to stop, or {@code stopped} became true. */
        STOPPED
    }

    private ServerSentEvents() {
    }

    public static End read(InputStream in, Listener listener) throws IOException {
        return read(in, listener, () -> false);
    }

    public static End read(InputStream body, Listener listener, BooleanSupplier stopped) throws IOException {
        InputStream in = body instanceof BufferedInputStream ? body : new BufferedInputStream(body, 8192);
        StringBuilder data = null;
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean lastWasCr = false;
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b != '\n' && b != '\r') {
                if (line.size() >= MAX_LINE_BYTES) {
                    throw new IOException("an event-stream line is longer than " + MAX_LINE_BYTES + " bytes");
                }
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.isEmpty()) {
                if (data != null) {
                    String event = data.toString();
                    data = null;
                    if (event.strip().equals("[DONE]")) {
                        return End.DONE;
                    }
                    if (!listener.onData(event) || stopped.getAsBoolean()) {
                        return End.STOPPED;
                    }
                }
                continue;
            }
            if (text.startsWith(":")) {
                continue;
            }
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            if (!field.equals("data")) {
                continue;
            }
            String value = colon < 0 ? "" : text.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
        if (line.size() > 0) {
            // an unterminated last line: keep its data so the listener sees what was cut off
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.startsWith("data:")) {
                String value = text.substring(5);
                value = value.startsWith(" ") ? value.substring(1) : value;
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        if (data != null) {
            // a final event without its blank line: deliver it, the stream still ended early
            String event = data.toString();
            if (event.strip().equals("[DONE]")) {
                return End.DONE;
            }
            if (!listener.onData(event)) {
                return End.STOPPED;
            }
        }
        return End.EOF;
    }
}
