package io.xiaozhi.pipeline.gateway.session;

import java.util.Optional;

/** What a device is told in MCP {@code initialize} about the photo upload: where, and with which token. */
@FunctionalInterface
public interface VisionOffers {

    /** The upload URL and a token for this device, or empty when no vision upload is offered. */
    Optional<Offer> offer(String deviceId, String host);

    /** A URL and its bearer token. */
    record Offer(String url, String token) {
    }

    VisionOffers NONE = (deviceId, host) -> Optional.empty();
}
