package io.xiaozhi.pipeline.common.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every service process has around its own work: a Prometheus meter registry with JVM,
 * process and host ({@link SystemMetrics}: memory, disk, network) meters bound, {@code xiaozhi.*}
 * timers and HikariCP's connection acquire timer keeping histograms (so percentiles can be merged
 * across instances), an HTTP listener with {@code /metrics} and {@code /health}
 * ({@code metrics.host}:{@code metrics.port}; skipped when a port of -1 is passed), and the
 * {@link MetricsPublisher} to {@code xiaozhi.metrics}.
 */
public final class ServiceHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceHost.class);

    private final String service;
    private final String instance;
    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService httpThreads;
    private final MetricsPublisher publisher;
    private volatile BooleanSupplier healthy = () -> true;

    private ServiceHost(String service, String instance, PrometheusMeterRegistry registry, HttpServer server,
                        ExecutorService httpThreads, MetricsPublisher publisher) {
        this.service = service;
        this.instance = instance;
        this.registry = registry;
        this.server = server;
        this.httpThreads = httpThreads;
        this.publisher = publisher;
    }

    /** A registry with the JVM and process meters and histograms for {@code xiaozhi.*} timers. */
    public static PrometheusMeterRegistry newRegistry(String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                boolean ours = id.getName().startsWith("xiaozhi.") || id.getName().equals("hikaricp.connections.acquire");
                if (id.getType() == Meter.Type.TIMER && ours) {
                    return DistributionStatisticConfig.builder()
                            .percentilesHistogram(true)
                            .minimumExpectedValue((double) Duration.ofMillis(1).toNanos())
                            .maximumExpectedValue((double) Duration.ofSeconds(60).toNanos())
                            .build().merge(config);
                }
                return config;
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new SystemMetrics(new java.io.File(".").getAbsoluteFile()).bindTo(registry);
        return registry;
    }

    /** The instance name: host name and process id. */
    public static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /** Starts the registry, the listener on {@code metrics.port} and the publisher. */
    public static ServiceHost start(String service, Settings settings) throws IOException {
        return start(service, settings, newRegistry(service), settings.config().metrics().port());
    }

    /**
     * Starts with the given registry; {@code port} 0 takes a free port, -1 opens no listener (a
     * service that serves {@code /metrics} on its own listener).
     */
    public static ServiceHost start(String service, Settings settings, PrometheusMeterRegistry registry, int port) throws IOException {
        String instance = instanceName();
        HttpServer server = null;
        ExecutorService threads = null;
        if (port >= 0) {
            ServiceConfig.MetricsEndpoint endpoint = settings.config().metrics();
            server = HttpServer.create(new InetSocketAddress(endpoint.host(), port), 16);
            threads = Executors.newFixedThreadPool(2, r -> {
                Thread thread = new Thread(r, service + "-metrics-http");
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(threads);
        }
        KafkaClients clients = new KafkaClients(settings.config().kafka(), service + "-metrics");
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producerConfig(KafkaClients.ProducerProfile.BULK));
        MetricsPublisher publisher = new MetricsPublisher(service, instance, registry, producer, Clock.systemUTC(),
                Duration.ofSeconds(settings.performance().monitor().interval()));
        ServiceHost host = new ServiceHost(service, instance, registry, server, threads, publisher);
        if (server != null) {
            server.createContext("/metrics", host::metrics);
            server.createContext("/health", host::health);
            server.start();
            LOG.info("{}: /metrics and /health on {}:{}", service, settings.config().metrics().host(), server.getAddress().getPort());
        }
        return host;
    }

    public String service() {
        return service;
    }

    public String instance() {
        return instance;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public MetricsPublisher publisher() {
        return publisher;
    }

    /** The bound port of the metrics listener, or -1 when there is none. */
    public int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    /** What {@code /health} reports: 200 while true, 503 otherwise. */
    public void healthCheck(BooleanSupplier check) {
        this.healthy = check;
    }

    private void metrics(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            respond(exchange, 405, "text/plain", "GET only\n");
            return;
        }
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }

    private void health(HttpExchange exchange) throws IOException {
        boolean up = healthy.getAsBoolean();
        respond(exchange, up ? 200 : 503, "application/json",
                "{\"service\":\"" + service + "\",\"instance\":\"" + instance + "\",\"status\":\"" + (up ? "UP" : "DOWN") + "\"}\n");
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        publisher.close();
        if (server != null) {
            server.stop(0);
            httpThreads.shutdownNow();
        }
        registry.close();
    }
}
