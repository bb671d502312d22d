package io.xiaozhi.pipeline.monitor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.service.MetricSnapshots;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SnapshotParserTest {

    @Test
    void readsWhatMetricSnapshotsWrites() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("xiaozhi.stage.completed").tag("stage", "asr").register(registry).increment(7);
        Gauge.builder("xiaozhi.stage.inflight", () -> 2).tag("stage", "asr").register(registry);
        Timer timer = Timer.builder("xiaozhi.stage.processing").tag("stage", "asr").publishPercentileHistogram().register(registry);
        timer.record(Duration.ofMillis(120));
        byte[] json = MetricSnapshots.snapshot("asr-worker", "h-1", 1_700_000_000_000L, registry).toString().getBytes(StandardCharsets.UTF_8);

        SnapshotParser.Result result = SnapshotParser.parse(json);
        assertThat(result).isInstanceOf(SnapshotParser.Parsed.class);
        MetricSnapshot snapshot = ((SnapshotParser.Parsed) result).snapshot();
        assertThat(snapshot.source()).isEqualTo("asr-worker/h-1");
        assertThat(snapshot.timestamp()).isEqualTo(1_700_000_000_000L);
        InstanceSample sample = InstanceSample.of(snapshot);
        InstanceSample.StageFigures asr = sample.stages().get("asr");
        assertThat(asr.completed()).isEqualTo(7.0);
        assertThat(asr.inflight()).isEqualTo(2.0);
        assertThat(asr.processing().count()).isEqualTo(1);
        assertThat(asr.processing().bounds()).isNotEmpty();
        assertThat(asr.processing().percentile(0.5)).isBetween(100.0, 150.0);
        assertThat(sample.gateway()).isNull();
        assertThat(sample.pool()).isNull();
    }

    @Test
    void saysWhyAValueCannotBeUsed() {
        assertThat(reason("")).isEqualTo("empty value");
        assertThat(reason("{oops")).startsWith("not JSON");
        assertThat(reason("[1, 2]")).isEqualTo("not a JSON object");
        assertThat(reason("{\"instance\":\"i\",\"timestamp\":1,\"meters\":[]}")).isEqualTo("service must be non-empty text");
        assertThat(reason("{\"service\":\"s\",\"instance\":\"i\",\"timestamp\":\"soon\",\"meters\":[]}")).contains("timestamp");
        assertThat(reason("{\"service\":\"s\",\"instance\":\"i\",\"timestamp\":5,\"meters\":{}}")).isEqualTo("meters must be an array");
        assertThat(reason("{\"service\":\"s\",\"instance\":\"i\",\"timestamp\":5,\"meters\":[{\"name\":\"c\",\"type\":\"counter\"}]}"))
                .isEqualTo("meter 0: c: count is missing");
        assertThat(reason("{\"service\":\"s\",\"instance\":\"i\",\"timestamp\":5,\"meters\":[{\"name\":\"g\",\"type\":\"gauge\",\"value\":\"x\"}]}"))
                .isEqualTo("meter 0: g: value must be a finite number");
        assertThat(reason("{\"service\":\"s\",\"instance\":\"i\",\"timestamp\":5,\"meters\":[{\"name\":\"t\",\"type\":\"timer\",\"count\":2,"
                + "\"buckets\":[[1,2],[2,1]]}]}")).contains("does not rise");
    }

    @Test
    void unknownMeterTypesAndFieldsAreIgnored() {
        SnapshotParser.Result result = SnapshotParser.parse(("{\"service\":\"s\",\"instance\":\"i\",\"timestamp\":5,\"extra\":true,"
                + "\"meters\":[{\"name\":\"l\",\"type\":\"long_task_timer\",\"active\":1,\"duration_ms\":3}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(result).isInstanceOf(SnapshotParser.Parsed.class);
    }

    @Test
    void theTimestampExtractorReadsTheTopLevelFieldOnly() {
        assertThat(JsonTimestamps.timestampField("{\"meters\":[{\"timestamp\":3}],\"timestamp\":42}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(42);
        assertThat(JsonTimestamps.timestampField("{\"timestamp\":\"42\"}".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(JsonTimestamps.timestampField("not json".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    }

    private static String reason(String json) {
        SnapshotParser.Result result = SnapshotParser.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThat(result).isInstanceOf(SnapshotParser.Malformed.class);
        return ((SnapshotParser.Malformed) result).reason();
    }
}
