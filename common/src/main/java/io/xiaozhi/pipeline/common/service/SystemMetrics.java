package io.xiaozhi.pipeline.common.service;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.File;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;

/**
 * The host's memory, disk and network, read through OSHI: {@code system.memory.total},
 * {@code system.memory.used} and {@code system.memory.usage} (0..1); {@code system.disk.total},
 * {@code system.disk.free} and {@code system.disk.usage} of the file system holding the working
 * directory; {@code system.network.received} and {@code system.network.sent} (bytes, all interfaces
 * but loopback, as counters). Network figures are refreshed at most once a second, whatever the
 * number of readers. Where OSHI cannot read the host, the meters it would give are left out and the
 * reason is logged once.
 */
public final class SystemMetrics implements MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(SystemMetrics.class);
    private static final long NETWORK_REFRESH_MS = 1000;

    private final File disk;
    private List<NetworkIF> interfaces = List.of();
    private long networkReadAt;

    public SystemMetrics(File disk) {
        this.disk = disk;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("system.disk.total", disk, File::getTotalSpace).baseUnit("bytes").description("size of the file system").register(registry);
        Gauge.builder("system.disk.free", disk, File::getUsableSpace).baseUnit("bytes").description("space left on the file system").register(registry);
        Gauge.builder("system.disk.usage", disk, d -> d.getTotalSpace() == 0 ? 0 : 1.0 - (double) d.getUsableSpace() / d.getTotalSpace())
                .description("share of the file system in use, 0..1").register(registry);
        HardwareAbstractionLayer hardware;
        try {
            hardware = new SystemInfo().getHardware();
            GlobalMemory memory = hardware.getMemory();
            Gauge.builder("system.memory.total", memory, GlobalMemory::getTotal).baseUnit("bytes").description("physical memory").register(registry);
            Gauge.builder("system.memory.used", memory, m -> m.getTotal() - m.getAvailable()).baseUnit("bytes")
                    .description("physical memory in use (total less available)").register(registry);
            Gauge.builder("system.memory.usage", memory, m -> m.getTotal() == 0 ? 0 : (double) (m.getTotal() - m.getAvailable()) / m.getTotal())
                    .description("share of physical memory in use, 0..1").register(registry);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("system memory and network meters are not available here: {}", e.toString());
            return;
        }
        network(registry, hardware, "system.network.received", "bytes received on all interfaces but loopback", NetworkIF::getBytesRecv);
        network(registry, hardware, "system.network.sent", "bytes sent on all interfaces but loopback", NetworkIF::getBytesSent);
    }

    private void network(MeterRegistry registry, HardwareAbstractionLayer hardware, String name, String description,
                         ToDoubleFunction<NetworkIF> bytes) {
        FunctionCounter.builder(name, hardware, h -> sumInterfaces(h, bytes)).baseUnit("bytes").description(description).register(registry);
    }

    private synchronized double sumInterfaces(HardwareAbstractionLayer hardware, ToDoubleFunction<NetworkIF> bytes) {
        long now = System.currentTimeMillis();
        try {
            if (interfaces.isEmpty() || now - networkReadAt >= NETWORK_REFRESH_MS) {
                interfaces = hardware.getNetworkIFs(false);
                networkReadAt = now;
            }
            return interfaces.stream().mapToDouble(bytes).sum();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
