package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.runtime.StageContext;

/**
 * The vision stage without a vision model ({@code providers.vllm.type: offline}): no model that
 * describes photos runs inside this server, so every checked photo is answered with the same
 * sentence saying so and what the operator would configure. It is a real answer, so the device's
 * camera tool completes and the language model can tell the user why the photo was not described.
 */
public final class OfflineVisionProvider implements VisionProvider {

    /** The answer to every photo. */
    public static final String ANSWER = "No vision model is configured on this server, so the photo cannot be described;"
            + " the operator can set providers.vllm to an OpenAI-compatible vision model (type: openai, base_url, model, api_key).";

    @Override
    public String description() {
        return "offline (no vision model; photos are answered with a notice)";
    }

    @Override
    public String answer(PhotoQuestion question, StageContext context) {
        return ANSWER;
    }
}
