package io.xiaozhi.pipeline.common.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM,
 * from the {@code org.apache.kafka:kafka_2.13} jars. Used by the standalone server and by the test
 * suites. The data directory is formatted on first start and reused afterwards, so a standalone
 * server keeps its topics across restarts.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir).build().start()) {
 *     String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final int BIND_ATTEMPTS = 3;

    private final Builder options;
    private final boolean temporaryDataDir;
    private KafkaRaftServer server;
    private int port;
    private int controllerPort;

    private EmbeddedKafkaBroker(Builder options, boolean temporaryDataDir) {
        this.options = options;
        this.temporaryDataDir = temporaryDataDir;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the data directory if needed, starts the broker and waits until it serves requests. */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("already started on " + bootstrapServers());
        }
        long begin = System.nanoTime();
        try {
            Files.createDirectories(options.dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Kafka data directory " + options.dataDir, e);
        }
        RuntimeException last = null;
        for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
            port = options.port == 0 ? freePort() : options.port;
            controllerPort = options.controllerPort == 0 ? freePort() : options.controllerPort;
            Properties properties = brokerProperties();
            try {
                format(properties);
                KafkaRaftServer candidate = new KafkaRaftServer(new KafkaConfig(properties, false), Time.SYSTEM);
                candidate.startup();
                server = candidate;
                break;
            } catch (RuntimeException e) {
                last = e;
                boolean portRace = hasCause(e, BindException.class) && (options.port == 0 || options.controllerPort == 0);
                if (!portRace || attempt == BIND_ATTEMPTS) {
                    throw new IllegalStateException("the embedded Kafka broker did not start: " + e.getMessage(), e);
                }
                LOG.warn("port taken while starting the embedded broker, retrying with other ports: {}", e.getMessage());
            }
        }
        if (server == null) {
            throw new IllegalStateException("the embedded Kafka broker did not start", last);
        }
        awaitReady();
        LOG.info("embedded Kafka broker ready on {} in {} ms (data in {})", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), options.dataDir);
        return this;
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return options.host + ":" + port;
    }

    public Path dataDir() {
        return options.dataDir;
    }

    /**
     * Stops the broker and waits for it to finish. A data directory given to the builder stays; a
     * temporary one the builder made is deleted.
     */
    @Override
    public synchronized void close() {
        if (server != null) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } finally {
                server = null;
            }
        }
        if (temporaryDataDir) {
            deleteTree(options.dataDir);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("cannot delete {}: {}", path, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", root, e.toString());
        }
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + options.host + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + options.host + ":" + port + ",CONTROLLER://" + options.host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + options.host + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", options.dataDir.toAbsolutePath().toString());
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", Integer.toString(options.offsetsTopicPartitions));
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The log cleaner reserves this much heap for compaction; the default of 128 MiB is far more
        // than the few compacted topics of this project need.
        p.put("log.cleaner.dedupe.buffer.size", Long.toString(options.cleanerDedupeBufferBytes));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "4");
        p.putAll(options.overrides);
        return p;
    }

    private void format(Properties properties) {
        Path config = options.dataDir.resolve("broker.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            properties.store(out, "embedded Kafka broker");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(new String[] {"format", "--config", config.toString(),
                "--cluster-id", clusterId(), "--ignore-formatted"}, print);
        }
        if (code != 0) {
            throw new IllegalStateException("formatting " + options.dataDir + " failed (exit " + code + "): "
                    + output.toString(StandardCharsets.UTF_8).trim());
        }
    }

    /** The cluster id recorded in the data directory, or a new one for an empty directory. */
    private String clusterId() {
        Path meta = options.dataDir.resolve("meta.properties");
        if (Files.isRegularFile(meta)) {
            Properties existing = new Properties();
            try (var in = Files.newInputStream(meta)) {
                existing.load(in);
                String id = existing.getProperty("cluster.id");
                if (id != null && !id.isBlank()) {
                    return id;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + meta, e);
            }
        }
        return Uuid.randomUuid().toString();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + options.startTimeout.toNanos();
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get().size();
                    if (nodes > 0) {
                        return;
                    }
                } catch (ExecutionException e) {
                    LOG.debug("broker not ready yet: {}", e.getCause().toString());
                }
                if (System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("the embedded Kafka broker on " + bootstrapServers()
                            + " was not ready within " + options.startTimeout.toSeconds() + " s");
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for the embedded Kafka broker", e);
        }
    }

    private int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(options.host), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + options.host, e);
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Options of an embedded broker; every one has a default fit for tests. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private int controllerPort;
        private Path dataDir;
        private long cleanerDedupeBufferBytes = 2L * 1024 * 1024;
        private int offsetsTopicPartitions = 10;
        private Duration startTimeout = Duration.ofSeconds(60);
        private final Properties overrides = new Properties();

        /** The address to bind and advertise (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The client port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** The controller port; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** Where the log segments live (default: a new temporary directory). */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Heap the log cleaner reserves for compaction (default 2 MiB instead of Kafka's 128 MiB). */
        public Builder cleanerDedupeBufferBytes(long bytes) {
            if (bytes <= 1024 * 1024) {
                // Kafka requires more than 1 MiB per cleaner thread (one thread by default)
                throw new IllegalArgumentException("the dedupe buffer must be more than 1 MiB");
            }
            this.cleanerDedupeBufferBytes = bytes;
            return this;
        }

        /** Partitions of {@code __consumer_offsets} (default 10; Kafka's default is 50). */
        public Builder offsetsTopicPartitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("offsets topic partitions must be at least 1");
            }
            this.offsetsTopicPartitions = partitions;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Any other broker property, applied last. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public EmbeddedKafkaBroker build() {
            boolean temporary = dataDir == null;
            if (temporary) {
                try {
                    dataDir = Files.createTempDirectory("xiaozhi-kafka-");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
                }
            }
            return new EmbeddedKafkaBroker(this, temporary);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0 (any free port) or 1..65535, not " + port);
            }
            return port;
        }
    }
}
