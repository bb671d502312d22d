package io.xiaozhi.pipeline.gateway.audio;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The Silero VAD v5 model loaded once into an ONNX Runtime session, shared by the
 * {@link SileroVad} of every device session.
 *
 * <p>ONNX Runtime allows concurrent runs on one session, so one instance serves all threads; the
 * recurrent state lives in each {@link SileroVad}. Each run uses one thread: a window is too small
 * to gain from more, and the gateway runs many sessions side by side. Closing the model ends the
 * session; close it after the detectors that use it.
 */
public final class SileroModel implements AutoCloseable {

    /** Class-path location of the bundled model (see the NOTICE beside it for its provenance). */
    public static final String RESOURCE = "/vad/silero_vad_v5.onnx";

    private final OrtEnvironment environment;
    private final OrtSession session;

    private SileroModel(OrtEnvironment environment, OrtSession session) {
        this.environment = environment;
        this.session = session;
    }

    /** Loads the model bundled at {@link #RESOURCE}. */
    public static SileroModel load() {
        try (InputStream in = SileroModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Silero VAD model missing from the class path at " + RESOURCE);
            }
            return fromBytes(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Silero VAD model " + RESOURCE, e);
        }
    }

    /** Loads a Silero VAD v5 model from its ONNX bytes. */
    public static SileroModel fromBytes(byte[] onnx) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return new SileroModel(environment, environment.createSession(onnx, options));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the Silero VAD model", e);
        }
    }

    /** A new detector for one session's audio, with its own state. */
    public SileroVad newVad() {
        return new SileroVad(this);
    }

    OrtEnvironment environment() {
        return environment;
    }

    OrtSession.Result run(Map<String, OnnxTensor> inputs) throws OrtException {
        return session.run(inputs);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the Silero VAD session", e);
        }
    }
}
