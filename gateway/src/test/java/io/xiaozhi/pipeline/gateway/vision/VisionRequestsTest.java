package io.xiaozhi.pipeline.gateway.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.gateway.pipeline.DownlinkRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class VisionRequestsTest {

    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final VisionRequests requests = new VisionRequests(producer, "vllm", "downlink", Duration.ofSeconds(30), 2,
            () -> 1_000L, new SimpleMeterRegistry());

    private static VisionUpload upload() {
        return new VisionUpload("aa:bb:cc:dd:ee:ff", "what?", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, ImageType.JPEG);
    }

    private static DownlinkRecord record(String type, String turn, String text) {
        return new DownlinkRecord(type, turn, turn, -1, -1, false, false, "", text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesAsBusyBeyondTheLimitAndTakesMoreOnceAnAnswerCame() throws Exception {
        CompletableFuture<VisionOutcome> first = requests.submit(upload());
        requests.submit(upload());
        assertThatThrownBy(() -> requests.submit(upload())).isInstanceOf(VisionRefused.class)
                .extracting(e -> ((VisionRefused) e).refusal()).isEqualTo(Refusal.BUSY);

        String turn = new String(producer.history().get(0).headers().lastHeader("xz.turn").value(), StandardCharsets.UTF_8);
        assertThat(requests.offer(record(MessageTypes.VISION_ANSWER, turn, "a cat"))).isTrue();
        assertThat(first).isCompletedWithValue(VisionOutcome.answered("a cat"));
        assertThat(requests.pending()).isEqualTo(1);
        assertThat(requests.submit(upload())).isNotDone();
    }

    @Test
    void recordsOfOtherTurnsAreLeftForTheSessions() throws Exception {
        requests.submit(upload());
        assertThat(requests.offer(record(MessageTypes.STT, "some-session-turn", "hello"))).isFalse();
        assertThat(requests.pending()).isEqualTo(1);
    }

    @Test
    void aFailedSendEndsTheWaitAtOnce() throws Exception {
        MockProducer<String, byte[]> failing = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        VisionRequests withFailingProducer = new VisionRequests(failing, "vllm", "downlink", Duration.ofSeconds(30), 2,
                () -> 1_000L, new SimpleMeterRegistry());
        CompletableFuture<VisionOutcome> answer = withFailingProducer.submit(upload());
        failing.errorNext(new RuntimeException("broker gone"));
        assertThat(answer.join().success()).isFalse();
        assertThat(answer.join().text()).contains("could not be passed on").contains("broker gone");
        assertThat(withFailingProducer.pending()).isZero();
    }
}
