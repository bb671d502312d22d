package io.xiaozhi.pipeline.common.text;

import java.util.Locale;

/** The emotions the firmware can show, sent in the {@code emotion} field of {@code llm} and {@code alert}. */
public enum Emotion {
    NEUTRAL, HAPPY, LAUGHING, FUNNY, SAD, ANGRY, CRYING, LOVING, EMBARRASSED, SURPRISED, SHOCKED,
    THINKING, WINKING, COOL, RELAXED, DELICIOUS, KISSY, CONFIDENT, SLEEPY, SILLY, CONFUSED;

    /** The value as the firmware expects it: the constant's name in lower case. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
