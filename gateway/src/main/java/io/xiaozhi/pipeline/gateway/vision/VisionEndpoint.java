package io.xiaozhi.pipeline.gateway.vision;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /mcp/vision/explain}: reads and checks the upload, hands it to {@link VisionRequests},
 * and answers when the vision model has, without holding a server thread while it waits. Always
 * HTTP 200 with the reference server's JSON; every refusal is counted in
 * {@code xiaozhi.gateway.vision.refused}, tagged {@code reason}.
 */
public final class VisionEndpoint {

    public static final String PATH = "/mcp/vision/explain";

    private static final Logger LOG = LoggerFactory.getLogger(VisionEndpoint.class);

    private final UploadReader reader;
    private final VisionRequests requests;
    private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);

    public VisionEndpoint(UploadReader reader, VisionRequests requests, MeterRegistry meters) {
        this.reader = reader;
        this.requests = requests;
        for (Refusal refusal : Refusal.values()) {
            refused.put(refusal, Counter.builder("xiaozhi.gateway.vision.refused").tag("reason", refusal.tag())
                    .description("vision uploads refused before reaching the pipeline").register(meters));
        }
    }

    public void handle(Context ctx) {
        try {
            VisionUpload upload = reader.read(ctx.header("Device-Id"), ctx.header("Authorization"), ctx.header("Content-Type"),
                    ctx.bodyInputStream());
            CompletableFuture<Void> answered = requests.submit(upload).thenAccept(outcome -> respond(ctx, outcome));
            ctx.future(() -> answered);
        } catch (VisionRefused e) {
            refused.get(e.refusal()).increment();
            LOG.info("refusing a vision upload from {} (client {}): {}", ctx.header("Device-Id"), ctx.header("Client-Id"), e.getMessage());
            BoundedBody.discard(ctx.bodyInputStream(), VisionRequest.MAX_IMAGE_BYTES + UploadReader.FORM_OVERHEAD_BYTES);
            respond(ctx, VisionOutcome.failed(e.refusal().message()));
        }
    }

    private static void respond(Context ctx, VisionOutcome outcome) {
        ctx.status(200).contentType("application/json").result(outcome.json());
    }
}
