package io.xiaozhi.pipeline.common.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private final TopicPartition p0 = new TopicPartition("t", 0);
    private final TopicPartition p1 = new TopicPartition("t", 1);
    private final OffsetTracker tracker = new OffsetTracker();

    @Test
    void commitsOnlyUpToTheLowestOffsetStillInFlight() {
        tracker.assigned(List.of(p0));
        PartitionOffsets offsets = tracker.of(p0);
        for (long o = 10; o < 15; o++) {
            offsets.started(o);
        }
        tracker.finished(offsets, 11);
        tracker.finished(offsets, 12);
        assertThat(tracker.toCommit()).containsExactly(Map.entry(p0, new OffsetAndMetadata(10)));
        tracker.committed(Map.of(p0, new OffsetAndMetadata(10)));
        assertThat(tracker.toCommit()).as("nothing new to commit").isEmpty();
        tracker.finished(offsets, 10);
        assertThat(tracker.toCommit()).containsExactly(Map.entry(p0, new OffsetAndMetadata(13)));
        tracker.finished(offsets, 14);
        tracker.finished(offsets, 13);
        assertThat(tracker.toCommit()).containsExactly(Map.entry(p0, new OffsetAndMetadata(15)));
        assertThat(tracker.inFlight()).isZero();
    }

    @Test
    void revocationReturnsWhatToCommitAndMakesLaterCompletionsStale() {
        tracker.assigned(List.of(p0, p1));
        PartitionOffsets old = tracker.of(p0);
        old.started(0);
        old.started(1);
        tracker.finished(old, 0);
        assertThat(tracker.revoked(List.of(p0))).containsExactly(Map.entry(p0, new OffsetAndMetadata(1)));
        assertThat(tracker.finished(old, 1)).as("stale: the partition was revoked").isFalse();

        tracker.assigned(List.of(p0));
        PartitionOffsets fresh = tracker.of(p0);
        fresh.started(1);
        assertThat(tracker.finished(old, 1)).as("stale: an earlier assignment of the same partition").isFalse();
        assertThat(fresh.inFlightCount()).isEqualTo(1);
        assertThat(tracker.finished(fresh, 1)).isTrue();
        assertThat(tracker.toCommit()).containsEntry(p0, new OffsetAndMetadata(2));
    }

    @Test
    void lostPartitionsAreForgottenWithoutACommit() {
        tracker.assigned(List.of(p0));
        tracker.of(p0).started(5);
        tracker.lost(List.of(p0));
        assertThat(tracker.of(p0)).isNull();
        assertThat(tracker.toCommit()).isEmpty();
    }

    @Test
    void offsetsStartInOrderAndFinishOnce() {
        tracker.assigned(List.of(p0));
        PartitionOffsets offsets = tracker.of(p0);
        offsets.started(3);
        assertThatThrownBy(() -> offsets.started(2)).isInstanceOf(IllegalStateException.class);
        assertThat(tracker.finished(offsets, 3)).isTrue();
        assertThat(tracker.finished(offsets, 3)).isFalse();
    }

    @Test
    void aPartitionWithNothingStartedHasNothingToCommit() {
        tracker.assigned(List.of(p0));
        assertThat(tracker.toCommit()).isEmpty();
    }
}
