package io.xiaozhi.pipeline.gateway.ota;

/** Where devices are recorded when they check in (OTA) or connect. */
public interface DeviceRegistry {

    /** What a device reported about itself. Blank fields are unknown. */
    record CheckIn(String deviceId, String clientId, String board, String firmwareVersion) {
    }

    /** Records the device (first time) or refreshes what is known and when it was last seen. */
    void checkIn(CheckIn checkIn);
}
