package io.xiaozhi.pipeline.monitor.lag;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.kafka.Topics;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the lag of one stage is measured on: its consumer group and its request topic. The pipeline's
 * are {@code xiaozhi.<stage>} on {@code xiaozhi.<stage>.requests} ({@link #of(Stage)}); tests give
 * their own names.
 */
public record LagTarget(Stage stage, String group, String topic) {

    public LagTarget {
        Objects.requireNonNull(stage, "stage");
        if (group == null || group.isBlank() || topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("a lag target needs a group and a topic");
        }
    }

    /** The stage runtime's group ({@code xiaozhi.<stage>}) on the stage's request topic. */
    public static LagTarget of(Stage stage) {
        return new LagTarget(stage, Topics.PREFIX + stage.id(), Topics.requests(stage));
    }

    /** One target per stage of the pipeline, in {@link Stage} order. */
    public static List<LagTarget> pipeline() {
        return Arrays.stream(Stage.values()).map(LagTarget::of).toList();
    }
}
