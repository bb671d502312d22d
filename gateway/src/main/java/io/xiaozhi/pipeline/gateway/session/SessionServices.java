package io.xiaozhi.pipeline.gateway.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.gateway.mcp.DeviceToolStore;
import io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts;
import io.xiaozhi.pipeline.gateway.audio.UtteranceSettings;
import io.xiaozhi.pipeline.gateway.audio.Vad;
import io.xiaozhi.pipeline.gateway.downlink.DownlinkMetrics;
import io.xiaozhi.pipeline.gateway.downlink.DownlinkScheduler;
import io.xiaozhi.pipeline.gateway.downlink.PacingSettings;
import io.xiaozhi.pipeline.gateway.pipeline.Admission;
import io.xiaozhi.pipeline.gateway.pipeline.UtterancePublisher;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** What every device session shares: the pipeline, admission, VAD, pacing, time and meters. */
public record SessionServices(
        UtterancePublisher publisher,
        Admission admission,
        Supplier<Vad> vads,
        UtteranceSettings utterances,
        DownlinkScheduler scheduler,
        PacingSettings pacing,
        DownlinkMetrics downlinkMetrics,
        MeterRegistry meters,
        LongSupplier clock,
        List<String> wakeWords,
        SessionLimits limits,
        SessionMetrics metrics,
        DeviceToolStore tools,
        SessionRegistry registry,
        VisionOffers vision,
        SpokenPrompts prompts) {
}
