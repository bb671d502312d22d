package io.xiaozhi.pipeline.vllm;

import static io.xiaozhi.pipeline.vllm.VisionStage.text;
import static io.xiaozhi.pipeline.vllm.VisionStage.typeOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.runtime.StageMetrics;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Requests the stage must refuse: each gets its own error, a dead letter and turn.error, is counted, and the stage goes on. */
@ExtendWith(KafkaBrokerExtension.class)
class BadInputTest {

    @TempDir
    Path dataDir;

    @Test
    void badRequestsAreRefusedBeforeTheModelIsAskedAndTheStageGoesOn(KafkaTestBroker kafka) throws Exception {
        try (FakeOpenAi model = new FakeOpenAi().always(FakeOpenAi.completion("\"A red square.\""));
             VisionStage stage = new VisionStage(kafka, dataDir, String.join("\n",
                     "type: openai", "base_url: " + model.baseUrl(), "model: vision-test"), 10)) {
            stage.start();
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put(stage.publish("hello, not a vision request".getBytes(StandardCharsets.UTF_8)),
                    "RejectedRequest: not a vision request: vision payload has version 104; this build reads version 1");
            expected.put(stage.publish("What is this?", "image/png", "a PNG that is really text".getBytes(StandardCharsets.UTF_8)),
                    "RejectedRequest: the image declared as image/png is not an image of any supported type"
                            + " (it starts with 0x6120504e47207468…)");
            expected.put(stage.publish("What is this?", "image/png", Arrays.copyOf(TestImages.png(), VisionRequest.MAX_IMAGE_BYTES + 1)),
                    "RejectedRequest: the image has 5242881 bytes; at most 5242880 (5 MiB) are accepted");
            expected.put(stage.publish("What is this?", "image/png", TestImages.jpeg()),
                    "RejectedRequest: the image declared as image/png is a JPEG file (image/jpeg) by its first bytes");
            String good = stage.publish("What is this?", "image/png", TestImages.png());

            List<ConsumerRecord<String, byte[]>> letters = stage.read(stage.deadLetters, expected.size());
            assertThat(letters).hasSize(expected.size());
            for (ConsumerRecord<String, byte[]> letter : letters) {
                String id = VisionStage.turnOf(letter);
                assertThat(HeaderValues.requiredText(letter.headers(), EnvelopeHeaders.ERROR)).as("dead letter of %s", id)
                        .isEqualTo(expected.get(id));
                assertThat(HeaderValues.requiredNumber(letter.headers(), EnvelopeHeaders.ATTEMPTS)).isEqualTo(1);
            }
            List<ConsumerRecord<String, byte[]>> replies = stage.read(stage.replies, expected.size() + 1);
            assertThat(replies).hasSize(expected.size() + 1);
            for (ConsumerRecord<String, byte[]> reply : replies) {
                String id = VisionStage.turnOf(reply);
                if (id.equals(good)) {
                    assertThat(typeOf(reply)).isEqualTo(MessageTypes.VISION_ANSWER);
                    assertThat(text(reply)).isEqualTo("A red square.");
                } else {
                    assertThat(typeOf(reply)).isEqualTo(MessageTypes.TURN_FAILED);
                    assertThat(text(reply)).isEqualTo("vllm: " + expected.get(id));
                }
            }
            assertThat(model.received()).as("only the good photo reached the model").hasSize(1);
            assertThat(stage.count(VisionMetrics.REJECTED, "reason", "undecodable")).isEqualTo(1);
            assertThat(stage.count(VisionMetrics.REJECTED, "reason", "not_an_image")).isEqualTo(1);
            assertThat(stage.count(VisionMetrics.REJECTED, "reason", "too_large")).isEqualTo(1);
            assertThat(stage.count(VisionMetrics.REJECTED, "reason", "type_mismatch")).isEqualTo(1);
            assertThat(stage.count(StageMetrics.DEAD_LETTERS)).isEqualTo(4);
            assertThat(stage.count(StageMetrics.RETRIES)).isZero();
            assertThat(stage.count(VisionMetrics.REQUESTS)).isEqualTo(5);
        }
    }
}
