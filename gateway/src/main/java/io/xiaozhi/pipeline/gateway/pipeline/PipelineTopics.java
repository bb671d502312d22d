package io.xiaozhi.pipeline.gateway.pipeline;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.kafka.Topics;

/** The topics the gateway writes to and the one it reads its answers from. */
public record PipelineTopics(String asrRequests, String llmRequests, String control, String downlink) {

    /** The registry's names, with this gateway's own downlink topic. */
    public static PipelineTopics of(String gatewayId) {
        return new PipelineTopics(Topics.requests(Stage.ASR), Topics.requests(Stage.LLM), Topics.CONTROL, Topics.downlink(gatewayId));
    }
}
