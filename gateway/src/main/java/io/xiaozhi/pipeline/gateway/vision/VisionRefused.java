package io.xiaozhi.pipeline.gateway.vision;

/** An upload refused before it reached the pipeline, with the reason the device is told. */
public final class VisionRefused extends Exception {

    private final Refusal refusal;

    public VisionRefused(Refusal refusal) {
        super(refusal.message(), null, false, false);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
