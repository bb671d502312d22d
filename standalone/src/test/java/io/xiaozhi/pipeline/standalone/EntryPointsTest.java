package io.xiaozhi.pipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entry points of the compose services (infra/docker-compose.services.yml): each service's real
 * main class runs as its own JVM, as in its container, against the in-process broker, with the example
 * configuration files of infra/data in its own data directory (its own embedded database). Each must
 * answer {@code /health} on the port its compose healthcheck asks, and stop cleanly on SIGTERM (what
 * {@code docker compose stop} sends) within the compose file's 40 s grace period.
 */
@ExtendWith(KafkaBrokerExtension.class)
class EntryPointsTest {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(40);
    /** The exit status of a JVM ended by SIGTERM (128 + 15) after its shutdown hooks ran. */
    private static final int SIGTERM_EXIT = 143;
    private static final Path EXAMPLE_DATA = Path.of("..", "infra", "data");

    @TempDir
    Path temp;

    private final List<Service> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** One compose service: its main class and arguments, its variables, what tells it is up, and its health port. */
    private record Service(String name, String clientId, List<String> command, Map<String, String> env, int healthPort,
                           Pattern ready, Path log, Process[] process) {
        Process running() {
            return process[0];
        }

        String output() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Service service : started) {
            if (service.running() != null && service.running().isAlive()) {
                service.running().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void everyServiceStartsAnswersHealthAndStopsCleanlyOnSigterm(KafkaTestBroker broker) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String gatewayId = "entry-points-" + run;
        int gatewayHttp = freePort();
        int monitorPort = freePort();
        List<Service> services = List.of(
                worker("asr-worker", "io.xiaozhi.pipeline.asr.AsrWorkerMain", run, broker),
                worker("llm-worker", "io.xiaozhi.pipeline.llm.LlmWorkerMain", run, broker),
                worker("tts-worker", "io.xiaozhi.pipeline.tts.TtsWorkerMain", run, broker),
                worker("vllm-worker", "io.xiaozhi.pipeline.vllm.VllmWorkerMain", run, broker),
                service("gateway", List.of("io.xiaozhi.pipeline.gateway.GatewayMain"), run, broker, Map.of(
                                "XIAOZHI_SERVER_GATEWAY_ID", gatewayId,
                                "XIAOZHI_SERVER_PORT", Integer.toString(freePort()),
                                "XIAOZHI_SERVER_HTTP_PORT", Integer.toString(gatewayHttp)),
                        gatewayHttp, Pattern.compile("gateway " + Pattern.quote(gatewayId) + " ready")),
                service("monitor", List.of("io.xiaozhi.pipeline.monitor.MonitorMain", "serve"), run, broker,
                        Map.of("XIAOZHI_MONITOR_PORT", Integer.toString(monitorPort)),
                        monitorPort, Pattern.compile("monitor: dashboard and API on http://")));

        // all at once: six JVMs start in about the time of the slowest
        for (Service service : services) {
            start(service);
        }
        for (Service service : services) {
            awaitUp(service);
        }
        String downlink = "xiaozhi.downlink." + gatewayId;
        assertThat(broker.admin().listTopics().names().get(30, TimeUnit.SECONDS)).as("the gateway's downlink topic").contains(downlink);
        for (Service service : services) {
            if (service.name().endsWith("-worker")) {
                assertThat(members(broker.admin(), service)).as(service.name() + " consumes in its group").isNotEmpty();
            }
        }

        for (Service service : services) {
            service.running().destroy(); // SIGTERM
        }
        SoftAssertions soft = new SoftAssertions();
        for (Service service : services) {
            boolean exited = service.running().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            soft.assertThat(exited).as(service.name() + " exits within " + STOP_TIMEOUT.toSeconds() + " s of SIGTERM; log:\n"
                    + tail(service)).isTrue();
            if (!exited) {
                continue;
            }
            String log = service.output();
            soft.assertThat(service.running().exitValue()).as(service.name() + " ends by the signal; log:\n" + tail(service))
                    .isEqualTo(SIGTERM_EXIT);
            soft.assertThat(log).as(service.name() + " logs no error").doesNotContain(" ERROR ");
            switch (service.name()) {
                case "gateway" -> {
                    soft.assertThat(log).as("the gateway's listeners stop").contains("Javalin has stopped");
                    soft.assertThat(broker.admin().listTopics().names().get(30, TimeUnit.SECONDS))
                            .as("a clean stop of the gateway deletes its downlink topic").doesNotContain(downlink);
                }
                case "monitor" -> soft.assertThat(log).as("the monitor's Kafka Streams client stops")
                        .containsPattern("State transition from PENDING_SHUTDOWN to NOT_RUNNING");
                default -> {
                    String stage = service.name().substring(0, service.name().indexOf('-'));
                    soft.assertThat(log).as(service.name() + " stops gracefully")
                            .contains(service.name() + ": stopping").contains(stage + " stage stopped");
                    soft.assertThat(members(broker.admin(), service)).as(service.name() + " left its group on the way out").isEmpty();
                }
            }
        }
        soft.assertAll();
    }

    private Service worker(String name, String mainClass, String run, KafkaTestBroker broker) throws IOException {
        int metricsPort = freePort();
        return service(name, List.of(mainClass), run, broker, Map.of("XIAOZHI_METRICS_PORT", Integer.toString(metricsPort)),
                metricsPort, Pattern.compile(Pattern.quote(name) + " \\S+ started"));
    }

    private Service service(String name, List<String> command, String run, KafkaTestBroker broker, Map<String, String> own,
                            int healthPort, Pattern ready) throws IOException {
        Path dataDir = Files.createDirectories(temp.resolve(name + "-data"));
        // the example files the compose services mount: they must load, and the services must start with them
        Files.copy(EXAMPLE_DATA.resolve(".config.yaml"), dataDir.resolve(".config.yaml"));
        Files.copy(EXAMPLE_DATA.resolve(".performance.yaml"), dataDir.resolve(".performance.yaml"));
        String clientId = "ep-" + run + "-" + name;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("XIAOZHI_KAFKA_CLIENT_ID", clientId);
        env.putAll(own);
        List<String> full = new ArrayList<>(command);
        full.addAll(List.of("--data-dir", dataDir.toString()));
        return new Service(name, clientId, full, env, healthPort, ready, temp.resolve(name + ".log"), new Process[1]);
    }

    private void start(Service service) throws IOException {
        Path logback = temp.resolve("logback-entry-points.xml");
        if (!Files.exists(logback)) {
            Files.writeString(logback, LOGBACK);
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + logback,
                "-cp", System.getProperty("java.class.path")));
        command.addAll(service.command());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(service.log().toFile());
        // only the variables this service is given (a XIAOZHI_* of the machine could name another broker)
        builder.environment().keySet().removeIf(name -> name.startsWith("XIAOZHI_"));
        builder.environment().putAll(service.env());
        service.process()[0] = builder.start();
        started.add(service);
    }

    private void awaitUp(Service service) throws Exception {
        URI health = URI.create("http://127.0.0.1:" + service.healthPort() + "/health");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int status = -1;
        boolean ready = false;
        while (System.nanoTime() < deadline && service.running().isAlive()) {
            ready = ready || service.ready().matcher(service.output()).find();
            if (ready) {
                try {
                    status = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException e) {
                    status = -1;
                }
                if (status == 200) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(service.name() + " did not come up (alive " + service.running().isAlive() + ", ready line "
                + ready + ", last /health status " + status + ") within " + START_TIMEOUT.toSeconds() + " s; log:\n" + tail(service));
    }

    private static Collection<MemberDescription> members(Admin admin, Service service) throws Exception {
        String group = "xiaozhi." + service.name().substring(0, service.name().indexOf('-'));
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
        return description.members().stream().filter(m -> m.clientId().startsWith(service.clientId())).toList();
    }

    private static String tail(Service service) {
        String log = service.output();
        return log.length() <= 6000 ? log : "..." + log.substring(log.length() - 6000);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The child processes' log: INFO, with the Kafka clients at WARN except the Streams client's state changes. */
    private static final String LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
              </appender>
              <logger name="kafka" level="WARN"/>
              <logger name="org.apache.kafka" level="WARN"/>
              <logger name="org.apache.kafka.streams.KafkaStreams" level="INFO"/>
              <logger name="state.change.logger" level="WARN"/>
              <logger name="com.zaxxer.hikari" level="WARN"/>
              <logger name="org.flywaydb" level="WARN"/>
              <logger name="edu.cmu.sphinx" level="WARN"/>
              <root level="INFO"><appender-ref ref="OUT"/></root>
            </configuration>
            """;
}
