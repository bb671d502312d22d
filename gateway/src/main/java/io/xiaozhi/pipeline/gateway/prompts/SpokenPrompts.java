package io.xiaozhi.pipeline.gateway.prompts;

import io.xiaozhi.pipeline.common.audio.Resampler;

import io.xiaozhi.pipeline.common.audio.FreeTtsSynthesizer;

import io.xiaozhi.pipeline.common.audio.OpusEncoding;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Short messages the gateway speaks itself, prepared once at start-up as 24 kHz Opus packets: that
 * the server is busy, and an apology when a turn failed. They need no worker, so a device hears them
 * even when the pipeline is overloaded or down.
 */
public final class SpokenPrompts {

    private static final Logger LOG = LoggerFactory.getLogger(SpokenPrompts.class);
    public static final int DOWNLINK_RATE = 24_000;

    /** The messages. */
    public enum Prompt {
        BUSY("The server is busy right now. Please try again in a moment."),
        APOLOGY("Sorry, I could not answer that in time. Please try again.");

        private final String text;

        Prompt(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Map<Prompt, List<byte[]>> audio;

    public SpokenPrompts(Map<Prompt, List<byte[]>> audio) {
        this.audio = Map.copyOf(audio);
    }

    /** No spoken prompts (devices get the text alerts only). */
    public static SpokenPrompts none() {
        return new SpokenPrompts(Map.of());
    }

    /** Synthesizes every prompt with FreeTTS; on failure, logs it and returns {@link #none()}. */
    public static SpokenPrompts synthesize() {
        long begin = System.nanoTime();
        try {
            Map<Prompt, List<byte[]>> audio = new EnumMap<>(Prompt.class);
            OpusEncoding encoder = new OpusEncoding(DOWNLINK_RATE);
            for (Prompt prompt : Prompt.values()) {
                short[] speech = Resampler.resample(FreeTtsSynthesizer.speak(prompt.text()), FreeTtsSynthesizer.SAMPLE_RATE, DOWNLINK_RATE);
                audio.put(prompt, encoder.encode(speech));
            }
            LOG.info("spoken prompts prepared in {} ms", (System.nanoTime() - begin) / 1_000_000);
            return new SpokenPrompts(audio);
        } catch (RuntimeException e) {
            LOG.warn("spoken prompts could not be prepared; devices get text alerts only: {}", e.toString());
            return none();
        }
    }

    /** The prompt's Opus packets, or an empty list when it was not prepared. */
    public List<byte[]> audio(Prompt prompt) {
        return audio.getOrDefault(prompt, List.of());
    }
}
