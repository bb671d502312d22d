package io.xiaozhi.pipeline.gateway.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PcmWindowsTest {

    @Test
    void cutsChunksOfAnySizeIntoWholeWindowsInOrder() {
        PcmWindows windows = new PcmWindows(4);
        List<float[]> seen = new ArrayList<>();
        short[] pcm = {0, 16384, -16384, 8192, 1, 2, 3, 4, 5, 6};

        assertThat(windows.windowsCompletedBy(3)).isZero();
        assertThat(windows.append(pcm, 0, 3, w -> seen.add(w.clone()))).isZero();
        assertThat(windows.windowsCompletedBy(6)).isEqualTo(2);
        assertThat(windows.append(pcm, 3, 6, w -> seen.add(w.clone()))).isEqualTo(2);

        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).containsExactly(0f, 0.5f, -0.5f, 0.25f);
        assertThat(seen.get(1)[0]).isEqualTo(1 / 32768f);
        assertThat(windows.windowsCompletedBy(3)).isEqualTo(1);
    }

    @Test
    void clearDropsTheIncompleteWindow() {
        PcmWindows windows = new PcmWindows(4);
        windows.append(new short[3], 0, 3, w -> { });
        windows.clear();
        assertThat(windows.windowsCompletedBy(3)).isZero();
    }

    @Test
    void rejectsARangeOutsideTheArray() {
        assertThatThrownBy(() -> new PcmWindows(4).append(new short[3], 2, 2, w -> { }))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
