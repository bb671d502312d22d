package io.xiaozhi.pipeline.standalone;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.asr.AsrWorker;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.embedded.EmbeddedKafkaBroker;
import io.xiaozhi.pipeline.common.service.ServiceContext;
import io.xiaozhi.pipeline.common.service.ServiceHost;
import io.xiaozhi.pipeline.common.service.WorkerFactory;
import io.xiaozhi.pipeline.common.service.WorkerLauncher;
import io.xiaozhi.pipeline.common.storage.DataSources;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.KeyValueStores;
import io.xiaozhi.pipeline.common.storage.Migrations;
import io.xiaozhi.pipeline.gateway.Gateway;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.JdbcDeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import io.xiaozhi.pipeline.llm.LlmWorkerFactory;
import io.xiaozhi.pipeline.monitor.MonitorMain;
import io.xiaozhi.pipeline.monitor.MonitorService;
import io.xiaozhi.pipeline.monitor.api.MonitorServer;
import io.xiaozhi.pipeline.tts.TtsWorker;
import io.xiaozhi.pipeline.vllm.VllmWorker;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every service in one process: the Kafka broker (embedded unless {@code standalone.embedded_kafka}
 * is false), the database ({@code database.*}: the embedded one by default) and key-value store
 * ({@code redis.*}: memory by default) shared by all parts, the gateway, the four workers on the
 * providers {@code providers.*} name (offline by default), and the monitor (unless
 * {@code standalone.monitor} is false). {@link #close()} stops them in reverse
 * order, the workers finishing what they hold.
 */
public final class StandaloneServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);

    private final List<AutoCloseable> parts = new ArrayList<>();
    private Settings settings;
    private Gateway gateway;
    private EmbeddedKafkaBroker broker;
    private HikariDataSource database;
    private MonitorServer monitor;

    private StandaloneServer() {
    }

    /** Starts everything; on a failure what was started is stopped again and the failure thrown. */
    public static StandaloneServer start(Settings configured) throws Exception {
        StandaloneServer server = new StandaloneServer();
        try {
            server.startParts(configured);
            return server;
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    private void startParts(Settings configured) throws Exception {
        long begin = System.nanoTime();
        settings = configured;
        ServiceConfig.Standalone options = configured.config().standalone();
        if (options.embeddedKafka()) {
            broker = EmbeddedKafkaBroker.builder()
                    .host("127.0.0.1")
                    .port(options.kafkaPort())
                    .controllerPort(options.kafkaControllerPort())
                    .dataDir(configured.dataDir().resolve("kafka"))
                    .build();
            keep(broker.start());
            settings = withBootstrapServers(configured, broker.bootstrapServers());
        }
        ServiceHost host = keep(ServiceHost.start("standalone", settings, ServiceHost.newRegistry("standalone"), -1));
        PrometheusMeterRegistry meters = host.registry();
        database = keep(DataSources.create("standalone", settings, meters));
        Migrations.migrate(database);
        KeyValueStore keyValues = keep(KeyValueStores.create(settings, meters));

        Clock clock = Clock.systemUTC();
        ServiceConfig.Server server = settings.config().server();
        DeviceTokens tokens = new DeviceTokens(server.auth(), clock);
        JdbcDeviceRegistry devices = new JdbcDeviceRegistry(database, clock);
        OtaResponder ota = new OtaResponder(server, tokens, devices, clock, meters);
        gateway = keep(Gateway.start(settings, tokens, ota, new AdminBinding(server.adminToken(), devices), meters, keyValues,
                server.port(), server.httpPort()));
        worker(Stage.ASR, meters, database, keyValues, AsrWorker::create);
        worker(Stage.LLM, meters, database, keyValues, new LlmWorkerFactory());
        worker(Stage.TTS, meters, database, keyValues, TtsWorker::create);
        worker(Stage.VLLM, meters, database, keyValues, VllmWorker::create);
        if (options.monitor()) {
            MonitorService monitorData = keep(MonitorService.start(settings, meters));
            // the monitor's API shares the process's service host (one registry, one snapshot publisher)
            monitor = keep(MonitorMain.serve(settings, monitorData, host).server());
        }
        LOG.info("xiaozhi standalone server ready in {} s", String.format("%.1f", (System.nanoTime() - begin) / 1e9));
    }

    private void worker(Stage stage, PrometheusMeterRegistry meters, HikariDataSource database, KeyValueStore keyValues,
                        WorkerFactory factory) throws Exception {
        ServiceContext context = ServiceContext.shared(WorkerLauncher.serviceName(stage), settings, meters, Clock.systemUTC(),
                database, keyValues);
        keep(WorkerLauncher.start(stage, context, factory));
    }

    private <T extends AutoCloseable> T keep(T part) {
        parts.add(part);
        return part;
    }

    /** The settings the parts run with (the embedded broker's address in place of the configured one). */
    public Settings settings() {
        return settings;
    }

    public Gateway gateway() {
        return gateway;
    }

    /** The monitor's HTTP server, or {@code null} when {@code standalone.monitor} is false. */
    public MonitorServer monitor() {
        return monitor;
    }

    /** The database every part shares. */
    public HikariDataSource database() {
        return database;
    }

    /** The embedded broker's address, or the configured cluster's. */
    public String bootstrapServers() {
        return settings.config().kafka().bootstrapServers();
    }

    /** What is running where, one line each, for the operator. */
    public List<String> describe() {
        ServiceConfig config = settings.config();
        List<String> lines = new ArrayList<>();
        lines.add("Kafka:    " + (broker != null ? "embedded broker on " + broker.bootstrapServers() + ", data in " + broker.dataDir()
                : "cluster at " + config.kafka().bootstrapServers()));
        lines.add("Database: " + (config.database().kind() == ServiceConfig.DatabaseKind.EMBEDDED
                ? "embedded, in " + settings.dataDir().resolve("db") : config.database().url()));
        lines.add("Cache:    " + (config.redis().kind() == ServiceConfig.RedisKind.MEMORY ? "in memory" : config.redis().url()));
        lines.add("Devices:  ws://" + config.server().host() + ":" + gateway.server().port() + "/xiaozhi/v1/");
        lines.add("OTA:      http://" + config.server().host() + ":" + gateway.server().httpPort() + "/xiaozhi/ota/ (also on port "
                + gateway.server().port() + ")");
        lines.add("Metrics:  http://" + config.server().host() + ":" + gateway.server().httpPort() + "/metrics");
        lines.add("Monitor:  " + (monitor == null ? "not running (standalone.monitor: false)"
                : "http://" + config.monitor().host() + ":" + monitor.port() + "/ (dashboard), /api/lag, /api/metrics, /api/alerts"));
        for (Stage stage : Stage.values()) {
            ServiceConfig.Provider provider = config.providers().of(stage);
            lines.add(String.format("%-9s %s", stage.id().toUpperCase(java.util.Locale.ROOT) + ":",
                    provider.type() == ServiceConfig.ProviderType.OFFLINE ? "offline" : provider.model() + " at " + provider.baseUrl()));
        }
        return lines;
    }

    static Settings withBootstrapServers(Settings settings, String bootstrapServers) {
        ServiceConfig c = settings.config();
        ServiceConfig.Kafka k = c.kafka();
        ServiceConfig.Kafka kafka = new ServiceConfig.Kafka(bootstrapServers, k.clientId(), 1, k.partitions(), k.producer(),
                k.consumer(), k.admin());
        ServiceConfig config = new ServiceConfig(c.server(), c.vad(), kafka, c.database(), c.redis(), c.monitor(), c.metrics(),
                c.llm(), c.tts(), c.standalone(), c.providers());
        return new Settings(settings.dataDir(), config, settings.performance());
    }

    /** Stops every part, the last started first. */
    @Override
    public synchronized void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", parts.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        parts.clear();
    }
}
