package io.xiaozhi.pipeline.common.audio;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.SingleFileAudioPlayer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/** English speech from FreeTTS's {@code kevin16} voice: 16 kHz mono 16-bit PCM. Pure Java, offline. */
public final class FreeTtsSynthesizer {

    public static final int SAMPLE_RATE = 16_000;
    private static final String VOICE = "kevin16";

    private FreeTtsSynthesizer() {
    }

    /** Speaks {@code text} into PCM samples. FreeTTS is not thread-safe: calls are serialised. */
    public static synchronized short[] speak(String text) {
        System.setProperty("freetts.voices", "com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory");
        Voice voice = VoiceManager.getInstance().getVoice(VOICE);
        if (voice == null) {
            throw new IllegalStateException("the FreeTTS voice " + VOICE + " is not on the classpath");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("xiaozhi-prompt-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for speech synthesis", e);
        }
        Path wav = dir.resolve("prompt.wav");
        try {
            voice.allocate();
            SingleFileAudioPlayer player = new SingleFileAudioPlayer(dir.resolve("prompt").toString(), AudioFileFormat.Type.WAVE);
            voice.setAudioPlayer(player);
            if (!voice.speak(text)) {
                throw new IllegalStateException("FreeTTS could not speak: " + text);
            }
            player.close();
            return read(wav);
        } finally {
            voice.deallocate();
            try {
                Files.deleteIfExists(wav);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // a leftover temporary file is harmless
            }
        }
    }

    private static short[] read(Path wav) {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            AudioFormat format = in.getFormat();
            if (format.getSampleRate() != SAMPLE_RATE || format.getChannels() != 1 || format.getSampleSizeInBits() != 16) {
                throw new IllegalStateException("FreeTTS produced " + format + ", not 16 kHz mono 16-bit");
            }
            byte[] bytes = in.readAllBytes();
            short[] samples = new short[bytes.length / 2];
            ByteBuffer.wrap(bytes).order(format.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer().get(samples);
            return samples;
        } catch (IOException | UnsupportedAudioFileException e) {
            throw new IllegalStateException("cannot read the synthesized speech: " + e.getMessage(), e);
        }
    }
}
