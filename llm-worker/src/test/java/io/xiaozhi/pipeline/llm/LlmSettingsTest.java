package io.xiaozhi.pipeline.llm;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LlmSettingsTest {

    private static ServiceConfig.Llm llm(Map<String, String> env) {
        return ConfigLoader.load(Path.of("target", "no-data-dir"), env).config().llm();
    }

    @Test
    void theDefaultsOfConfigYamlAreTheBuiltInOnes() {
        LlmSettings settings = LlmSettings.from(llm(Map.of()));
        assertThat(settings.defaultSystemPrompt()).isEqualTo(LlmSettings.DEFAULT_SYSTEM_PROMPT);
        assertThat(settings.timeZone()).isEqualTo(ZoneId.systemDefault());
        assertThat(settings.historyTurns()).isEqualTo(10);
        assertThat(settings.historyTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(settings.maxToolRounds()).isEqualTo(5);
    }

    @Test
    void theConversationComesFromConfigYaml() {
        LlmSettings settings = LlmSettings.from(llm(Map.of("XIAOZHI_LLM_SYSTEM_PROMPT", "You are a pirate.",
                "XIAOZHI_LLM_TIME_ZONE", "Asia/Shanghai", "XIAOZHI_LLM_HISTORY_TURNS", "3", "XIAOZHI_LLM_HISTORY_TTL_HOURS", "2",
                "XIAOZHI_LLM_MAX_TOOL_ROUNDS", "0")));
        assertThat(settings.defaultSystemPrompt()).isEqualTo("You are a pirate.");
        assertThat(settings.timeZone()).isEqualTo(ZoneId.of("Asia/Shanghai"));
        assertThat(settings.historyTurns()).isEqualTo(3);
        assertThat(settings.historyTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(settings.maxToolRounds()).isZero();
    }
}
