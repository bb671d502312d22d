package io.xiaozhi.pipeline.loadtest.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

    /** A Prometheus page with the overhead histogram of two label sets and an unrelated metric. */
    private static String page(double at50ms, double at100ms, double at200ms, double total) {
        String o = GatewayMetrics.OVERHEAD;
        return "# HELP " + o + " the pipeline's own share\n"
                + "# TYPE " + o + " histogram\n"
                + o + "_bucket{service=\"gateway\",le=\"0.05\"} " + at50ms + "\n"
                + o + "_bucket{service=\"gateway\",le=\"0.1\"} " + at100ms + "\n"
                + o + "_bucket{service=\"gateway\",le=\"0.2\"} " + at200ms + "\n"
                + o + "_bucket{service=\"gateway\",le=\"+Inf\"} " + total + "\n"
                + o + "_bucket{service=\"gateway\",zone=\"b\",le=\"0.05\"} 0.0\n"
                + o + "_bucket{service=\"gateway\",zone=\"b\",le=\"0.1\"} 0.0\n"
                + o + "_bucket{service=\"gateway\",zone=\"b\",le=\"0.2\"} 0.0\n"
                + o + "_bucket{service=\"gateway\",zone=\"b\",le=\"+Inf\"} 0.0\n"
                + o + "_count{service=\"gateway\"} " + total + "\n"
                + "xiaozhi_gateway_turn_overhead_seconds_max{service=\"gateway\"} 0.3\n"
                + GatewayMetrics.SEGMENT + "_bucket{segment=\"asr\",service=\"gateway\",le=\"0.5\"} " + total + "\n"
                + GatewayMetrics.SEGMENT + "_bucket{segment=\"asr\",service=\"gateway\",le=\"+Inf\"} " + total + "\n"
                + GatewayMetrics.SEGMENT + "_bucket{segment=\"llm\",service=\"gateway\",le=\"0.5\"} 0.0\n"
                + GatewayMetrics.SEGMENT + "_bucket{segment=\"llm\",service=\"gateway\",le=\"+Inf\"} " + (2 * total) + "\n"
                + "jvm_threads_live_threads{service=\"gateway\"} 42.0\n";
    }

    @Test
    void quantilesAreInterpolatedWithinTheirBucket() {
        GatewayMetrics.Buckets buckets = GatewayMetrics.Buckets.parse(page(50, 90, 100, 100), GatewayMetrics.OVERHEAD);
        assertThat(buckets.count()).isEqualTo(100);
        // 50 at or below 50 ms: the median is the bucket's top
        assertThat(buckets.quantileMs(0.5)).isCloseTo(50, within(1e-6));
        // the 70th observation is half-way through the 40 between 50 and 100 ms
        assertThat(buckets.quantileMs(0.7)).isCloseTo(75, within(1e-6));
        // the 99th is 9/10 of the way through the 10 between 100 and 200 ms
        assertThat(buckets.quantileMs(0.99)).isCloseTo(190, within(1e-6));
        assertThat(GatewayMetrics.Buckets.empty().quantileMs(0.99)).isEqualTo(-1);
    }

    @Test
    void theRunIsWhatWasRecordedBetweenTheTwoReadingsAndTheOpenBucketReportsItsFloor() {
        GatewayMetrics.Buckets before = GatewayMetrics.Buckets.parse(page(10, 10, 10, 10), GatewayMetrics.OVERHEAD);
        GatewayMetrics.Buckets after = GatewayMetrics.Buckets.parse(page(10, 20, 20, 30), GatewayMetrics.OVERHEAD);
        GatewayMetrics.Buckets run = after.since(before);
        assertThat(run.count()).isEqualTo(20);
        assertThat(run.quantileMs(0.5)).as("10 of 20 between 50 and 100 ms").isCloseTo(100, within(1e-6));
        assertThat(run.quantileMs(0.99)).as("beyond the largest bound").isCloseTo(200, within(1e-6));
    }

    @Test
    void aMalformedBucketLineIsNamed() {
        assertThatThrownBy(() -> GatewayMetrics.Buckets.parse(GatewayMetrics.OVERHEAD + "_bucket{service=\"g\"} 3\n", GatewayMetrics.OVERHEAD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without le=");
        assertThatThrownBy(() -> GatewayMetrics.Buckets.parse(GatewayMetrics.OVERHEAD + "_bucket{le=\"0.1\"} many\n", GatewayMetrics.OVERHEAD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a number");
    }

    @Test
    void readsTheGatewaysOverHttpAndFeedsTheOverheadSlo() throws Exception {
        AtomicReference<String> served = new AtomicReference<>(page(0, 0, 0, 0));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", exchange -> {
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
            GatewayMetrics metrics = new GatewayMetrics(List.of(uri), HttpClient.newHttpClient());
            metrics.before();
            served.set(page(40, 48, 50, 50));
            GatewayMetrics.Delta delta = metrics.after();
            assertThat(delta.overhead().count()).isEqualTo(50);
            assertThat(delta.firstAudio().count()).isZero();
            assertThat(delta.segments()).containsOnlyKeys(GatewayMetrics.SEGMENTS);
            assertThat(delta.segments().get("asr").count()).as("one segment's label sets only").isEqualTo(50);
            assertThat(delta.segments().get("llm").count()).isEqualTo(100);
            assertThat(delta.segments().get("tts").count()).isZero();

            FleetStats stats = new FleetStats(System.nanoTime());
            List<Slo.Check> met = new Slo(null, null, null, null, Duration.ofMillis(200)).check(stats, delta);
            assertThat(met).singleElement().satisfies(c -> {
                assertThat(c.met()).isTrue();
                assertThat(c.measured()).as("the 49.5th of 50: three quarters through the last 2 between 100 and 200 ms").isEqualTo("175 ms");
            });
            List<Slo.Check> missed = new Slo(null, null, null, null, Duration.ofMillis(100)).check(stats, delta);
            assertThat(missed).singleElement().satisfies(c -> {
                assertThat(c.met()).isFalse();
                assertThat(c.by()).isEqualTo("75 ms");
            });
            assertThat(new Slo(null, null, null, null, Duration.ofMillis(100)).check(stats, null)).singleElement()
                    .satisfies(c -> assertThat(c.met()).as("an SLO that could not be measured is not met").isFalse());
        } finally {
            server.stop(0);
        }
    }
}
