package io.xiaozhi.pipeline.monitor.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The alert sinks against the in-process broker and a local webhook server. */
@ExtendWith(KafkaBrokerExtension.class)
class AlertSinksTest {

    private static final AtomicInteger GROUPS = new AtomicInteger();

    private HttpServer server;
    private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final AtomicInteger downCalls = new AtomicInteger();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok", exchange -> {
            delivered.add("ok " + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/flaky", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean fail = flakyCalls.incrementAndGet() <= 2;
            if (!fail) {
                delivered.add("flaky");
            }
            exchange.sendResponseHeaders(fail ? 500 : 200, -1);
            exchange.close();
        });
        server.createContext("/down", exchange -> {
            exchange.getRequestBody().readAllBytes();
            downCalls.incrementAndGet();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        log.start();
        ((Logger) LoggerFactory.getLogger(AlertSinks.class)).addAppender(log);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(AlertSinks.class)).detachAppender(log);
        server.stop(0);
    }

    @Test
    void logsEveryEventAndPostsItToEveryWebhookRetryingTwice(KafkaTestBroker kafka) throws Exception {
        String topic = kafka.createTopic(1);
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        String firing = "{\"id\":\"cpu/llm-worker\",\"rule\":\"cpu\",\"subject\":\"llm-worker\",\"severity\":\"warning\",\"state\":\"firing\","
                + "\"value\":91.0,\"threshold\":80.0,\"message\":\"llm-worker CPU 91 % over 80 %\",\"since\":1,\"timestamp\":1,\"repeat\":0}";
        String resolved = firing.replace("\"firing\"", "\"resolved\"").replace("over 80 %", "back under 80 %");
        try (AlertSinks sinks = new AlertSinks(Map.of("bootstrap.servers", kafka.bootstrapServers()), "sinks-test-" + GROUPS.incrementAndGet(),
                topic, List.of(base + "/ok", base + "/flaky", base + "/down"), meters, Duration.ofMillis(50), Clock.systemUTC());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     new StringSerializer(), new ByteArraySerializer())) {
            long now = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(topic, null, now, "cpu/llm-worker", firing.getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(topic, null, now, "junk", "not an alert".getBytes(StandardCharsets.UTF_8))).get();

            assertThat(delivered.poll(30, TimeUnit.SECONDS)).isNotNull();
            assertThat(delivered.poll(10, TimeUnit.SECONDS)).isNotNull();
            await(() -> downCalls.get() == 3 && meters.counter("xiaozhi.monitor.webhook.dropped").count() == 1);
            assertThat(flakyCalls.get()).isEqualTo(3);
            assertThat(meters.counter("xiaozhi.monitor.webhook.failures").count()).as("two flaky, three down").isEqualTo(5);
            assertThat(meters.counter("xiaozhi.monitor.alerts.malformed").count()).isEqualTo(1);

            producer.send(new ProducerRecord<>(topic, null, now, "cpu/llm-worker", resolved.getBytes(StandardCharsets.UTF_8))).get();
            String next = delivered.poll(10, TimeUnit.SECONDS);
            String other = delivered.poll(10, TimeUnit.SECONDS);
            assertThat(List.of(next, other)).anySatisfy(body -> assertThat(body).isEqualTo("ok application/json " + resolved));
            await(() -> log.list.stream().anyMatch(e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains("resolved")));
        }
        assertThat(log.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).isEqualTo("alert cpu/llm-worker firing (warning, repeat 0): llm-worker CPU 91 % over 80 %");
        });
        assertThat(log.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.INFO);
            assertThat(e.getFormattedMessage()).isEqualTo("alert cpu/llm-worker resolved: llm-worker CPU 91 % back under 80 %");
        });
    }

    @Test
    void aNewGroupSkipsEventsFromBeforeItsLookBack(KafkaTestBroker kafka) throws Exception {
        String topic = kafka.createTopic(1);
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            long old = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
            producer.send(new ProducerRecord<>(topic, null, old, "old", "{\"id\":\"old\",\"state\":\"firing\"}".getBytes(StandardCharsets.UTF_8))).get();
            try (AlertSinks sinks = new AlertSinks(Map.of("bootstrap.servers", kafka.bootstrapServers()), "sinks-test-" + GROUPS.incrementAndGet(),
                    topic, List.of(base + "/ok"), new SimpleMeterRegistry(), Duration.ofMillis(50), Clock.systemUTC())) {
                producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), "new",
                        "{\"id\":\"new\",\"state\":\"firing\"}".getBytes(StandardCharsets.UTF_8))).get();
                String body = delivered.poll(30, TimeUnit.SECONDS);
                assertThat(body).contains("\"new\"");
                assertThat(delivered.poll(300, TimeUnit.MILLISECONDS)).isNull();
            }
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }
}
