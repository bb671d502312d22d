package io.xiaozhi.pipeline.common.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A local TCP port nothing listens on, for testing what happens when a server is unreachable. */
public final class ClosedPorts {

    private ClosedPorts() {
    }

    /** A port that was free a moment ago on 127.0.0.1 (bound, then released). */
    public static int find() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
