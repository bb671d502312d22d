package io.xiaozhi.pipeline.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/configuration.md documents every key of both files, so the reference cannot drift from the code. */
class ConfigurationDocsTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void everyKeyIsInTheReference() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        List<String> keys = new ArrayList<>();
        keys.addAll(ConfigLoader.environmentOverrides().variables(ServiceConfig.class).values());
        keys.addAll(ConfigLoader.environmentOverrides().variables(PerformanceConfig.class).values());
        keys.addAll(List.of("kafka.producer", "kafka.consumer", "kafka.admin", "providers.asr.headers"));
        List<String> missing = keys.stream()
                .map(key -> key.replaceFirst("^(ai_providers|providers)\\.(asr|llm|tts|vllm)\\.", "$1.<stage>."))
                .distinct()
                .filter(key -> !doc.contains("`" + key + "`"))
                .sorted()
                .toList();
        assertThat(missing).as("keys missing from " + DOC).isEmpty();
        assertThat(keys).hasSizeGreaterThan(50);
    }
}
