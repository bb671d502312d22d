package io.xiaozhi.pipeline.vllm;

import static io.xiaozhi.pipeline.vllm.VisionStage.text;
import static io.xiaozhi.pipeline.vllm.VisionStage.typeOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class OfflineVisionProviderTest {

    @TempDir
    Path dataDir;

    @Test
    void withoutAVisionModelAPhotoIsAnsweredWithANotice(KafkaTestBroker kafka) throws Exception {
        try (VisionStage stage = new VisionStage(kafka, dataDir, "type: offline", 10)) {
            assertThat(stage.start().provider()).isInstanceOf(OfflineVisionProvider.class);
            String id = stage.publish("What is on the table?", "image/jpeg", TestImages.jpeg());
            ConsumerRecord<String, byte[]> answer = stage.recordOf(stage.replies, 1, id);
            assertThat(typeOf(answer)).isEqualTo(MessageTypes.VISION_ANSWER);
            assertThat(HeaderValues.text(answer.headers(), EnvelopeHeaders.TURN)).contains(id);
            assertThat(text(answer)).isEqualTo(OfflineVisionProvider.ANSWER)
                    .startsWith("No vision model is configured on this server, so the photo cannot be described;")
                    .contains("providers.vllm", "OpenAI-compatible vision model");
            assertThat(stage.count(VisionMetrics.REQUESTS)).isEqualTo(1);
            assertThat(stage.meters.find(VisionMetrics.ANSWER_LATENCY).timer().count()).isEqualTo(1);
        }
    }

    @Test
    void theOfflineStageStillChecksTheImage(KafkaTestBroker kafka) throws Exception {
        try (VisionStage stage = new VisionStage(kafka, dataDir, "type: offline", 10)) {
            stage.start();
            String id = stage.publish("What is this?", "image/png", "this is text".getBytes(StandardCharsets.UTF_8));
            ConsumerRecord<String, byte[]> reply = stage.recordOf(stage.replies, 1, id);
            assertThat(typeOf(reply)).isEqualTo(MessageTypes.TURN_FAILED);
            assertThat(text(reply)).startsWith("vllm: RejectedRequest: the image declared as image/png is not an image");
            assertThat(stage.recordOf(stage.deadLetters, 1, id)).isNotNull();
            assertThat(stage.count(VisionMetrics.REJECTED, "reason", "not_an_image")).isEqualTo(1);
        }
    }
}
