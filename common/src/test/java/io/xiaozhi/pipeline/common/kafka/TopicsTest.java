package io.xiaozhi.pipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsTest {

    static ServiceConfig.Kafka defaultKafka() {
        return ConfigLoader.load(Path.of("target", "no-such-data-dir"), Map.of()).config().kafka();
    }

    @Test
    void namesFollowTheArchitecture() {
        assertThat(Topics.requests(Stage.ASR)).isEqualTo("xiaozhi.asr.requests");
        assertThat(Topics.requests(Stage.VLLM)).isEqualTo("xiaozhi.vllm.requests");
        assertThat(Topics.deadLetters(Stage.TTS)).isEqualTo("xiaozhi.tts.dlq");
        assertThat(Topics.downlink("gw-1")).isEqualTo("xiaozhi.downlink.gw-1");
    }

    @Test
    void requestTopicsUseBrokerAppendTimeAndConfiguredPartitions() {
        TopicSpec asr = new Topics(defaultKafka()).requestTopic(Stage.ASR);
        assertThat(asr.partitions()).isEqualTo(12);
        assertThat(asr.configs()).containsEntry("message.timestamp.type", "LogAppendTime")
                .containsEntry("retention.ms", "3600000").containsEntry("segment.ms", "3600000");
    }

    @Test
    void onlyTheVisionTopicsTakeRecordsBigEnoughForAPhoto() {
        Topics topics = new Topics(defaultKafka());
        String photo = Integer.toString(io.xiaozhi.pipeline.common.envelope.VisionRequest.MAX_RECORD_BYTES);
        assertThat(topics.requestTopic(Stage.VLLM).configs()).containsEntry("max.message.bytes", photo);
        assertThat(topics.deadLetterTopic(Stage.VLLM).configs()).containsEntry("max.message.bytes", photo);
        assertThat(topics.requestTopic(Stage.ASR).configs()).doesNotContainKey("max.message.bytes");
    }

    @Test
    void theLagFeedIsCompactedAndEveryStageHasRequestsAndDeadLetters() {
        Topics topics = new Topics(defaultKafka());
        assertThat(topics.lagTopic().configs()).containsEntry("cleanup.policy", "compact");
        assertThat(topics.pipelineTopics()).extracting(TopicSpec::name).containsExactlyInAnyOrder(
                "xiaozhi.asr.requests", "xiaozhi.asr.dlq", "xiaozhi.llm.requests", "xiaozhi.llm.dlq",
                "xiaozhi.tts.requests", "xiaozhi.tts.dlq", "xiaozhi.vllm.requests", "xiaozhi.vllm.dlq",
                "xiaozhi.control", "xiaozhi.metrics", "xiaozhi.alerts", "xiaozhi.lag");
    }

    @Test
    void aGatewayIdThatCannotNameATopicIsRefused() {
        assertThatThrownBy(() -> Topics.downlink("gw/1")).hasMessageContaining("'gw/1'");
        assertThatThrownBy(() -> Topics.downlink("")).isInstanceOf(IllegalArgumentException.class);
    }
}
