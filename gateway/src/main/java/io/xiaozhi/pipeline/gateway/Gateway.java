package io.xiaozhi.pipeline.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.storage.KeyValueStore;
import io.xiaozhi.pipeline.common.storage.KeyValueStores;
import io.xiaozhi.pipeline.gateway.audio.EnergyVad;
import io.xiaozhi.pipeline.gateway.audio.SileroModel;
import io.xiaozhi.pipeline.gateway.audio.UtteranceSettings;
import io.xiaozhi.pipeline.gateway.audio.Vad;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.downlink.DownlinkMetrics;
import io.xiaozhi.pipeline.gateway.downlink.ExecutorDownlinkScheduler;
import io.xiaozhi.pipeline.gateway.downlink.PacingSettings;
import io.xiaozhi.pipeline.gateway.mcp.DeviceToolStore;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import io.xiaozhi.pipeline.gateway.prompts.SpokenPrompts;
import io.xiaozhi.pipeline.gateway.pipeline.Admission;
import io.xiaozhi.pipeline.gateway.pipeline.DownlinkListener;
import io.xiaozhi.pipeline.gateway.pipeline.LagFeed;
import io.xiaozhi.pipeline.gateway.pipeline.PipelineTopics;
import io.xiaozhi.pipeline.gateway.pipeline.UtterancePublisher;
import io.xiaozhi.pipeline.gateway.server.GatewayServer;
import io.xiaozhi.pipeline.gateway.session.SessionLimits;
import io.xiaozhi.pipeline.gateway.session.SessionMetrics;
import io.xiaozhi.pipeline.gateway.session.SessionRegistry;
import io.xiaozhi.pipeline.gateway.session.SessionServices;
import io.xiaozhi.pipeline.gateway.session.VisionOffers;
import io.xiaozhi.pipeline.gateway.vision.VisionEndpoint;
import io.xiaozhi.pipeline.gateway.vision.VisionTokens;
import io.xiaozhi.pipeline.gateway.vision.VisionWiring;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: its topics provisioned (the pipeline's, and its own downlink topic), its
 * producer, downlink listener, lag feed reader, pacing scheduler and VAD model, and the listeners
 * devices talk to. A clean {@link #close()} deletes its downlink topic.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** How long a session's device tools stay readable without being refreshed. */
    private static final Duration TOOLS_TTL = Duration.ofHours(1);

    private final GatewayServer server;
    private final DownlinkListener downlink;
    private final LagFeed lagFeed;
    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService pacing;
    private final SileroModel silero;
    private final KafkaClients clients;
    private final String downlinkTopic;
    /** The store this gateway opened and closes, or {@code null} when it was given a shared one. */
    private final KeyValueStore keyValues;
    private final VisionTokens visionTokens;

    private Gateway(GatewayServer server, DownlinkListener downlink, LagFeed lagFeed, KafkaProducer<String, byte[]> producer,
                    ScheduledExecutorService pacing, SileroModel silero, KafkaClients clients, String downlinkTopic,
                    KeyValueStore keyValues, VisionTokens visionTokens) {
        this.keyValues = keyValues;
        this.server = server;
        this.downlink = downlink;
        this.lagFeed = lagFeed;
        this.producer = producer;
        this.pacing = pacing;
        this.silero = silero;
        this.clients = clients;
        this.downlinkTopic = downlinkTopic;
        this.visionTokens = visionTokens;
    }

    public static Gateway start(Settings settings, DeviceTokens tokens, OtaResponder ota, AdminBinding admin, MeterRegistry meters,
                                int port, int httpPort)
            throws InterruptedException {
        return start(settings, tokens, ota, admin, meters, null, port, httpPort);
    }

    /**
     * Starts with a key-value store shared with other parts of the process (the standalone server's
     * in-memory store, which the llm-worker must see too), or with its own ({@code redis.*}) when
     * {@code sharedKeyValues} is {@code null}. A shared store is not closed by {@link #close()}.
     */
    public static Gateway start(Settings settings, DeviceTokens tokens, OtaResponder ota, AdminBinding admin, MeterRegistry meters,
                                KeyValueStore sharedKeyValues, int port, int httpPort)
            throws InterruptedException {
        ServiceConfig config = settings.config();
        KafkaClients clients = new KafkaClients(config.kafka(), "gateway");
        String gatewayId = gatewayId(config.server());
        Topics topics = new Topics(config.kafka());
        try (Admin kafkaAdmin = clients.admin()) {
            TopicProvisioner provisioner = new TopicProvisioner(kafkaAdmin, Duration.ofSeconds(30));
            provisioner.ensure(topics.pipelineTopics());
            provisioner.ensure(List.of(topics.downlinkTopic(gatewayId)));
        }
        PipelineTopics pipelineTopics = PipelineTopics.of(gatewayId);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(VisionWiring.producerConfig(clients));
        ScheduledExecutorService pacing = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "downlink-pacer");
            thread.setDaemon(true);
            return thread;
        });
        KeyValueStore keyValues = sharedKeyValues != null ? sharedKeyValues : KeyValueStores.create(settings, meters);
        ServiceConfig.Vad vad = config.vad();
        SileroModel silero = vad.kind() == ServiceConfig.VadKind.SILERO ? SileroModel.load() : null;
        Supplier<Vad> vads = silero != null ? silero::newVad : () -> new EnergyVad(vad.energyThresholdDbfs());
        VisionWiring vision = VisionWiring.create(settings, producer, pipelineTopics.downlink(), meters);
        LagFeed lagFeed = LagFeed.read(clients, Topics.LAG, LagFeed.freshness(settings.performance().monitor().lagInterval()), meters);
        SessionServices services = new SessionServices(
                new UtterancePublisher(producer, pipelineTopics, settings.performance().server().turnTimeoutDuration()),
                new Admission(settings.performance().aiProviders(), meters, lagFeed, System::currentTimeMillis),
                vads,
                new UtteranceSettings(vad.threshold(), vad.releaseThreshold(), vad.minSpeechMs(), vad.endSilenceMs(), Vad.WINDOW_MILLIS),
                new ExecutorDownlinkScheduler(pacing),
                PacingSettings.DEFAULTS,
                new DownlinkMetrics(meters),
                meters,
                System::currentTimeMillis,
                config.server().wakeWords(),
                SessionLimits.of(settings.performance().server()),
                new SessionMetrics(meters),
                new DeviceToolStore(keyValues, TOOLS_TTL),
                new SessionRegistry(keyValues, gatewayId, Duration.ofSeconds(settings.performance().server().closeIdleSeconds() * 2L)),
                visionOffers(config.server(), vision.tokens()),
                SpokenPrompts.synthesize());
        GatewayServer server = new GatewayServer(settings, tokens, ota, admin, services, meters);
        server.vision(vision.endpoint(), vision.requests());
        DownlinkListener downlink = new DownlinkListener(clients, pipelineTopics.downlink(), server::deliver, meters).start();
        if (!downlink.awaitReady(Duration.ofSeconds(30))) {
            LOG.warn("the downlink topic {} is not readable yet", pipelineTopics.downlink());
        }
        server.start(port, httpPort);
        pacing.scheduleAtFixedRate(() -> server.sweepIdle(System.currentTimeMillis()), 1, 1, TimeUnit.SECONDS);
        LOG.info("gateway {} ready: answers on {}", gatewayId, pipelineTopics.downlink());
        return new Gateway(server, downlink, lagFeed, producer, pacing, silero, clients, pipelineTopics.downlink(),
                sharedKeyValues != null ? null : keyValues, vision.tokens());
    }

    public GatewayServer server() {
        return server;
    }

    /** Issues the tokens devices upload photos with (announced in MCP {@code initialize}). */
    public VisionTokens visionTokens() {
        return visionTokens;
    }

    /**
     * The photo upload a device is told about in MCP: {@code server.public_http_url} when set, else the
     * host the device connected to (the upload is served on both listeners).
     */
    static VisionOffers visionOffers(ServiceConfig.Server server, VisionTokens tokens) {
        return (deviceId, host) -> {
            String base = !server.publicHttpUrl().isEmpty() ? server.publicHttpUrl().replaceAll("/+$", "")
                    : "http://" + (host == null || host.isBlank() ? "127.0.0.1:" + server.port() : host.trim());
            return java.util.Optional.of(new VisionOffers.Offer(base + VisionEndpoint.PATH, tokens.issue(deviceId)));
        };
    }

    /** The configured id, or one derived from the host name. */
    static String gatewayId(ServiceConfig.Server server) {
        if (!server.gatewayId().isEmpty()) {
            return server.gatewayId();
        }
        try {
            String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
            return host.isEmpty() ? "gateway" : host.length() > 90 ? host.substring(0, 90) : host;
        } catch (java.net.UnknownHostException e) {
            return "gateway";
        }
    }

    /** Stops the listeners, then deletes this gateway's downlink topic. */
    @Override
    public void close() {
        server.close();
        downlink.close();
        lagFeed.close();
        producer.close(Duration.ofSeconds(5));
        pacing.shutdownNow();
        if (keyValues != null) {
            keyValues.close();
        }
        if (silero != null) {
            silero.close();
        }
        try (Admin admin = clients.admin()) {
            new TopicProvisioner(admin, Duration.ofSeconds(10)).deleteIfExists(downlinkTopic);
        } catch (RuntimeException e) {
            LOG.warn("could not delete {}: {}", downlinkTopic, e.toString());
        }
    }
}
