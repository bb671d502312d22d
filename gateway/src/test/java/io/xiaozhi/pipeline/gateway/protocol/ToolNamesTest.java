package io.xiaozhi.pipeline.gateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ToolNamesTest {

    private static final Pattern LLM_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    @Test
    void dotsBecomeUnderscores() {
        ToolNames names = ToolNames.of(List.of("self.audio_speaker.set_volume", "self.get_device_status"));
        assertThat(names.toLlm("self.audio_speaker.set_volume")).contains("self_audio_speaker_set_volume");
        assertThat(names.toDevice("self_audio_speaker_set_volume")).contains("self.audio_speaker.set_volume");
        assertThat(names.toLlm("self.get_device_status")).contains("self_get_device_status");
        assertThat(names.size()).isEqualTo(2);
    }

    @Test
    void unknownNamesAreAbsent() {
        ToolNames names = ToolNames.of(List.of("self.a"));
        assertThat(names.toLlm("self.b")).isEmpty();
        assertThat(names.toDevice("self.a")).isEmpty();
        assertThat(names.toDevice("self_b")).isEmpty();
    }

    @Test
    void collidingNamesGetDistinctReversibleNames() {
        List<String> device = List.of("self.audio.volume", "self_audio.volume", "self.audio_volume", "self_audio_volume");
        ToolNames names = ToolNames.of(device);
        Set<String> llm = new HashSet<>();
        for (String name : device) {
            String mapped = names.toLlm(name).orElseThrow();
            assertThat(mapped).matches(LLM_NAME);
            assertThat(names.toDevice(mapped)).contains(name);
            llm.add(mapped);
        }
        assertThat(llm).hasSize(device.size());
        assertThat(names.toLlm("self.audio.volume").orElseThrow()).startsWith("self_audio_volume_").hasSize("self_audio_volume_".length() + 8);
    }

    @Test
    void mappingDoesNotDependOnOrder() {
        List<String> device = new ArrayList<>(List.of("a.b", "a_b", "c.d", "x".repeat(80), "y.z"));
        ToolNames first = ToolNames.of(device);
        Collections.shuffle(device, new Random(7));
        ToolNames second = ToolNames.of(device);
        for (String name : device) {
            assertThat(second.toLlm(name)).isEqualTo(first.toLlm(name));
        }
    }

    @Test
    void longNamesAreCutWithAHash() {
        String longA = "self." + "a".repeat(70) + ".one";
        String longB = "self." + "a".repeat(70) + ".two";
        ToolNames names = ToolNames.of(List.of(longA, longB));
        String a = names.toLlm(longA).orElseThrow();
        String b = names.toLlm(longB).orElseThrow();
        assertThat(a).matches(LLM_NAME).hasSize(ToolNames.MAX_LENGTH);
        assertThat(b).matches(LLM_NAME).hasSize(ToolNames.MAX_LENGTH);
        assertThat(a).isNotEqualTo(b);
        assertThat(names.toDevice(a)).contains(longA);
        assertThat(names.toDevice(b)).contains(longB);
    }

    @Test
    void nameExactlyAtTheLimitIsKept() {
        String name = "t".repeat(ToolNames.MAX_LENGTH);
        assertThat(ToolNames.of(List.of(name)).toLlm(name)).contains(name);
    }

    @Test
    void plainNameThatLooksLikeAHashedOneDoesNotCollide() {
        ToolNames probe = ToolNames.of(List.of("a.b", "a_b"));
        String hashed = probe.toLlm("a.b").orElseThrow();
        ToolNames names = ToolNames.of(List.of("a.b", "a_b", hashed));
        Set<String> llm = new HashSet<>();
        for (String device : List.of("a.b", "a_b", hashed)) {
            String mapped = names.toLlm(device).orElseThrow();
            assertThat(names.toDevice(mapped)).contains(device);
            llm.add(mapped);
        }
        assertThat(llm).hasSize(3);
    }

    @Test
    void otherCharactersAndEmptyNames() {
        ToolNames names = ToolNames.of(List.of("self.灯.开", "", "a b/c"));
        assertThat(names.toLlm("self.灯.开")).contains("self____");
        assertThat(names.toLlm("")).contains("tool");
        assertThat(names.toLlm("a b/c")).contains("a_b_c");
    }

    @Test
    void randomNamesAlwaysMapBothWays() {
        Random random = new Random(42);
        Set<String> device = new HashSet<>();
        String alphabet = "ab._-.";
        while (device.size() < 300) {
            StringBuilder name = new StringBuilder();
            int length = 1 + random.nextInt(random.nextInt(10) == 0 ? 90 : 5);
            for (int i = 0; i < length; i++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            device.add(name.toString());
        }
        ToolNames names = ToolNames.of(device);
        Set<String> llm = new HashSet<>();
        for (String name : device) {
            String mapped = names.toLlm(name).orElseThrow();
            assertThat(mapped).matches(LLM_NAME);
            assertThat(names.toDevice(mapped)).contains(name);
            llm.add(mapped);
        }
        assertThat(llm).hasSize(device.size());
    }

    @Test
    void fromToolList() {
        ToolNames names = ToolNames.ofTools(List.of(new McpTool("self.camera.take_photo", "", new ObjectMapper().createObjectNode())));
        assertThat(names.toDevice("self_camera_take_photo")).contains("self.camera.take_photo");
    }
}
