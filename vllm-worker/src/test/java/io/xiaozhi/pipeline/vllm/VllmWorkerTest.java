package io.xiaozhi.pipeline.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VllmWorkerTest {

    private static Settings settings(Map<String, String> env) {
        return ConfigLoader.load(Path.of("target", "no-data-dir"), env);
    }

    private static VllmWorker create(Settings settings) {
        return VllmWorker.create(ServiceContext.shared("vllm-worker", settings, new SimpleMeterRegistry(), Clock.systemUTC(), null, null));
    }

    @Test
    void theProviderFollowsProvidersVllmType() {
        assertThat(create(settings(Map.of())).provider()).isInstanceOf(OfflineVisionProvider.class);
        VllmWorker remote = create(settings(Map.of("XIAOZHI_PROVIDERS_VLLM_TYPE", "openai",
                "XIAOZHI_PROVIDERS_VLLM_BASE_URL", "http://localhost:11434/v1", "XIAOZHI_PROVIDERS_VLLM_MODEL", "qwen2.5vl")));
        assertThat(remote.provider()).isInstanceOf(OpenAiVisionProvider.class);
        assertThat(remote.provider().description()).isEqualTo("openai (model qwen2.5vl at http://localhost:11434/v1/chat/completions)");
        assertThat(remote.handler()).isInstanceOf(VisionHandler.class);
    }
}
