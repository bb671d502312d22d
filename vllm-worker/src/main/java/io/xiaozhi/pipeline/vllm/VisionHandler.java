package io.xiaozhi.pipeline.vllm;

import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageHandler;
import io.xiaozhi.pipeline.common.runtime.StageRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vision stage's handler: a record on {@code xiaozhi.vllm.requests} holds a
 * {@link io.xiaozhi.pipeline.common.envelope.VisionRequest} (keyed by device id; session and turn
 * are the gateway's correlation id). The payload is decoded and checked ({@link PhotoQuestion#from});
 * a request that fails a check is rejected with a non-retryable {@link RejectedRequest}, counted by
 * reason, and so goes to the dead-letter topic while the gateway gets {@code turn.error}. A checked
 * photo is put to the {@link VisionProvider}, and its answer sent to the reply-to topic as a
 * {@link MessageTypes#VISION_ANSWER} record (payload: the answer in UTF-8) under the request's
 * envelope. Handling the same request again sends the same kind of answer again; the gateway takes
 * the first per correlation id.
 */
public final class VisionHandler implements StageHandler {

    private static final Logger LOG = LoggerFactory.getLogger(VisionHandler.class);

    private final VisionProvider provider;
    private final VisionMetrics metrics;

    public VisionHandler(VisionProvider provider, VisionMetrics metrics) {
        this.provider = provider;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<Void> handle(StageRequest request, StageContext context) {
        boolean first = request.attempt() == 1;
        if (first) {
            metrics.request();
        }
        PhotoQuestion question;
        try {
            question = PhotoQuestion.from(request.record().value());
        } catch (RejectedRequest e) {
            metrics.rejected(e.rejection());
            Envelope envelope = request.envelope();
            LOG.debug("vllm: rejecting turn {} of device {}: {}", envelope.turnId(), envelope.deviceId(), e.getMessage());
            throw e;
        }
        if (first) {
            metrics.image(question.image().length);
        }
        long began = System.nanoTime();
        String answer = provider.answer(question, context);
        metrics.answered(System.nanoTime() - began);
        return context.reply(MessageTypes.VISION_ANSWER, answer.getBytes(StandardCharsets.UTF_8)).thenApply(sent -> null);
    }
}
