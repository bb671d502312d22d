package io.xiaozhi.pipeline.tts.provider;

import com.sun.speech.freetts.audio.AudioPlayer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.sound.sampled.AudioFormat;

/**
 * A FreeTTS {@link AudioPlayer} that keeps what the voice "plays" in memory instead of sending it to a
 * sound card or a file. FreeTTS writes from its voice's output thread while the caller waits in
 * {@code Voice.speak}; every method is synchronized so the caller sees all bytes afterwards.
 */
final class MemoryAudioPlayer implements AudioPlayer {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    private AudioFormat format = new AudioFormat(16_000, 16, 1, true, true);
    private float volume = 1f;

    /** Forgets what was played: called before each sentence. */
    synchronized void clear() {
        bytes.reset();
    }

    /** What was played since {@link #clear()}, as 16-bit mono samples at {@link #sampleRate()}. */
    synchronized short[] samples() {
        if (format.getSampleSizeInBits() != 16 || format.getChannels() != 1
                || format.getEncoding() != AudioFormat.Encoding.PCM_SIGNED) {
            throw new IllegalStateException("FreeTTS produced " + format + ", not 16-bit signed mono PCM");
        }
        byte[] raw = bytes.toByteArray();
        short[] samples = new short[raw.length / 2];
        ByteBuffer.wrap(raw).order(format.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer().get(samples);
        return samples;
    }

    synchronized int sampleRate() {
        return Math.round(format.getSampleRate());
    }

    @Override
    public synchronized void setAudioFormat(AudioFormat format) {
        this.format = format;
    }

    @Override
    public synchronized AudioFormat getAudioFormat() {
        return format;
    }

    @Override
    public void pause() {
    }

    @Override
    public void resume() {
    }

    @Override
    public void reset() {
    }

    @Override
    public boolean drain() {
        return true;
    }

    @Override
    public void begin(int size) {
    }

    @Override
    public boolean end() {
        return true;
    }

    @Override
    public void cancel() {
    }

    @Override
    public void close() {
    }

    @Override
    public synchronized float getVolume() {
        return volume;
    }

    @Override
    public synchronized void setVolume(float volume) {
        this.volume = volume;
    }

    @Override
    public long getTime() {
        return 0;
    }

    @Override
    public void resetTime() {
    }

    @Override
    public void startFirstSampleTimer() {
    }

    @Override
    public boolean write(byte[] audio) {
        return write(audio, 0, audio.length);
    }

    @Override
    public synchronized boolean write(byte[] audio, int offset, int length) {
        bytes.write(audio, offset, length);
        return true;
    }

    @Override
    public void showMetrics() {
    }
}
