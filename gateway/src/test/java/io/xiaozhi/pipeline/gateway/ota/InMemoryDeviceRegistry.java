package io.xiaozhi.pipeline.gateway.ota;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A device registry in memory, recording every check-in, for tests of the HTTP side. */
public final class InMemoryDeviceRegistry implements DeviceRegistry {

    public final List<CheckIn> checkIns = new CopyOnWriteArrayList<>();
    private final Map<String, Activation> activations = new ConcurrentHashMap<>();

    @Override
    public void checkIn(CheckIn checkIn) {
        checkIns.add(checkIn);
        activations.putIfAbsent(checkIn.deviceId(), new Activation(false, ""));
    }

    @Override
    public Activation activation(String deviceId) {
        return activations.getOrDefault(deviceId, new Activation(false, ""));
    }

    @Override
    public synchronized Activation requireActivation(String deviceId, Supplier<String> newCode) {
        Activation current = activation(deviceId);
        if (!current.bound() && current.code().isEmpty()) {
            current = new Activation(false, newCode.get());
            activations.put(deviceId, current);
        }
        return current;
    }

    @Override
    public synchronized Optional<String> bind(String code) {
        for (Map.Entry<String, Activation> entry : activations.entrySet()) {
            if (!entry.getValue().bound() && entry.getValue().code().equals(code)) {
                entry.setValue(new Activation(true, ""));
                return Optional.of(entry.getKey());
            }
        }
        return Optional.empty();
    }
}
