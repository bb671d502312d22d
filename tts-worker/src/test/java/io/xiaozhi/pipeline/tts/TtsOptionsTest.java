package io.xiaozhi.pipeline.tts;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.tts.provider.ResponseFormat;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TtsOptionsTest {

    private static TtsOptions options(Map<String, String> env) {
        return TtsOptions.from(ConfigLoader.load(Path.of("target", "no-data-dir"), env).config().tts());
    }

    @Test
    void configYamlsDefaultsAreTheMeasuredOnes() {
        assertThat(options(Map.of())).isEqualTo(TtsOptions.defaults());
    }

    @Test
    void encodingAndTheSpeechApiAnswerComeFromConfigYaml() {
        TtsOptions options = options(Map.of("XIAOZHI_TTS_OPUS_COMPLEXITY", "10", "XIAOZHI_TTS_OPUS_BITRATE", "32000",
                "XIAOZHI_TTS_RESPONSE_FORMAT", "wav", "XIAOZHI_TTS_PCM_SAMPLE_RATE", "22050"));
        assertThat(options.opusComplexity()).isEqualTo(10);
        assertThat(options.opusBitrate()).isEqualTo(32_000);
        assertThat(options.responseFormat()).isEqualTo(ResponseFormat.WAV);
        assertThat(options.pcmSampleRate()).isEqualTo(22_050);
    }
}
