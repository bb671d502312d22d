package io.xiaozhi.pipeline.common.config;

import java.nio.file.Path;

/** Everything a service is configured with: both files, merged and validated, and the data directory. */
public record Settings(Path dataDir, ServiceConfig config, PerformanceConfig performance) {
}
