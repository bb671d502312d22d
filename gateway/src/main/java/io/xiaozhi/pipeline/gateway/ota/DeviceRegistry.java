package io.xiaozhi.pipeline.gateway.ota;

import java.util.Optional;
import java.util.function.Supplier;

/** Where devices are recorded when they check in (OTA), and whether they are bound (activated). */
public interface DeviceRegistry {

    /** What a device reported about itself. Blank fields are unknown. */
    record CheckIn(String deviceId, String clientId, String board, String firmwareVersion) {
    }

    /** A device's activation: bound, or waiting with a code (empty before one was issued). */
    record Activation(boolean bound, String code) {
    }

    /** Records the device (first time) or refreshes what is known and when it was last seen. */
    void checkIn(CheckIn checkIn);

    /** The device's activation; an unknown device is not bound and has no code. */
    Activation activation(String deviceId);

    /**
     * The activation of a checked-in device, giving it a code from {@code newCode} if it is not bound
     * and has none yet (a code no other waiting device holds).
     */
    Activation requireActivation(String deviceId, Supplier<String> newCode);

    /** Binds the device waiting with {@code code}; returns its id, or empty if no device waits with it. */
    Optional<String> bind(String code);
}
