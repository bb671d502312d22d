package io.xiaozhi.pipeline.gateway.audio;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * Silero VAD v5 for one session's audio, running on a shared {@link SileroModel}.
 *
 * <p>Per window the model takes {@code input} float[1, 576]: the last {@value #CONTEXT_SAMPLES}
 * samples of the previous window followed by the {@value Vad#WINDOW_SAMPLES} new ones, as silero-vad's
 * own wrapper feeds it; {@code state} float[2, 1, 128], the recurrent state returned as
 * {@code stateN} by the previous run; and {@code sr} int64, the sample rate. It returns
 * {@code output} float[1, 1], the speech probability. The tensors are allocated once per instance
 * over direct buffers that are rewritten in place for each window.
 */
public final class SileroVad implements Vad {

    /** Samples of the previous window that precede each new window in the model input. */
    static final int CONTEXT_SAMPLES = 64;

    private static final int INPUT_SAMPLES = CONTEXT_SAMPLES + WINDOW_SAMPLES;
    private static final long[] STATE_SHAPE = {2, 1, 128};
    private static final int STATE_SIZE = 2 * 128;

    private final SileroModel model;
    private final PcmWindows windows = new PcmWindows(WINDOW_SAMPLES);
    private final FloatBuffer input = directFloats(INPUT_SAMPLES);
    private final FloatBuffer state = directFloats(STATE_SIZE);
    private final float[] context = new float[CONTEXT_SAMPLES];
    private final OnnxTensor inputTensor;
    private final OnnxTensor stateTensor;
    private final OnnxTensor rateTensor;
    private final Map<String, OnnxTensor> inputs;
    private boolean closed;

    SileroVad(SileroModel model) {
        this.model = model;
        try {
            inputTensor = OnnxTensor.createTensor(model.environment(), input, new long[] {1, INPUT_SAMPLES});
            stateTensor = OnnxTensor.createTensor(model.environment(), state, STATE_SHAPE);
            rateTensor = OnnxTensor.createTensor(
                    model.environment(), LongBuffer.wrap(new long[] {SAMPLE_RATE}), new long[0]);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot allocate Silero VAD tensors", e);
        }
        inputs = Map.of("input", inputTensor, "state", stateTensor, "sr", rateTensor);
    }

    private static FloatBuffer directFloats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public float[] feed(short[] pcm, int offset, int length) {
        if (closed) {
            throw new IllegalStateException("this Silero VAD is closed");
        }
        float[] out = new float[windows.windowsCompletedBy(length)];
        int[] next = {0};
        windows.append(pcm, offset, length, window -> out[next[0]++] = probability(window));
        return out;
    }

    private float probability(float[] window) {
        input.put(0, context);
        input.put(CONTEXT_SAMPLES, window);
        System.arraycopy(window, WINDOW_SAMPLES - CONTEXT_SAMPLES, context, 0, CONTEXT_SAMPLES);
        try (OrtSession.Result result = model.run(inputs)) {
            FloatBuffer nextState = ((OnnxTensor) result.get("stateN").orElseThrow()).getFloatBuffer();
            state.put(0, nextState, 0, STATE_SIZE);
            return ((OnnxTensor) result.get("output").orElseThrow()).getFloatBuffer().get(0);
        } catch (OrtException e) {
            throw new IllegalStateException("Silero VAD inference failed", e);
        }
    }

    @Override
    public void reset() {
        windows.clear();
        Arrays.fill(context, 0f);
        state.put(0, new float[STATE_SIZE]);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            inputTensor.close();
            stateTensor.close();
            rateTensor.close();
        }
    }
}
