package io.xiaozhi.pipeline.gateway.server;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import io.xiaozhi.pipeline.gateway.pipeline.DownlinkRecord;
import io.xiaozhi.pipeline.gateway.session.DeviceSession;
import io.xiaozhi.pipeline.gateway.session.SessionServices;
import io.xiaozhi.pipeline.gateway.vision.VisionEndpoint;
import io.xiaozhi.pipeline.gateway.vision.VisionRequests;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's listeners: the device WebSocket {@code /xiaozhi/v1/} (a plain GET there answers with
 * a status line) and the OTA check-in {@code /xiaozhi/ota/} on {@code server.port}; OTA again on
 * {@code server.http_port}, where the reference server serves it, so existing firmware settings keep
 * working. The vision upload {@code /mcp/vision/explain} is served on both when it is configured.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    public static final String OTA_PATH = "/xiaozhi/ota/";
    public static final String ADMIN_BIND_PATH = "/xiaozhi/admin/bind";
    public static final int CLOSE_POLICY = 1008;

    private final Settings settings;
    private final DeviceTokens tokens;
    private final OtaResponder ota;
    private final AdminBinding admin;
    private final ConnectionLimiter<DeviceConnection> limiter;
    private final Counter authFailures;
    private final Counter slowDeviceDrops;
    private final MeterRegistry meters;
    private final SessionServices services;
    private final Map<String, DeviceSession> sessions = new ConcurrentHashMap<>();
    private Javalin devices;
    private Javalin http;
    private volatile VisionEndpoint vision;
    private volatile VisionRequests visionRequests;

    public GatewayServer(Settings settings, DeviceTokens tokens, OtaResponder ota, AdminBinding admin, SessionServices services,
                         MeterRegistry meters) {
        this.settings = settings;
        this.admin = admin;
        this.services = services;
        this.tokens = tokens;
        this.ota = ota;
        this.limiter = new ConnectionLimiter<>(settings.performance().server().maxConnections(), DeviceConnection::close, meters);
        this.authFailures = Counter.builder("xiaozhi.gateway.auth.failures").description("connections refused by authentication")
                .register(meters);
        this.meters = meters;
        this.slowDeviceDrops = Counter.builder("xiaozhi.gateway.frames.dropped").tag("reason", "slow_device")
                .description("audio frames not sent because the device's send queue was full").register(meters);
    }

    /** Starts both listeners; ports 0 pick free ones (see {@link #port()} and {@link #httpPort()}). */
    public GatewayServer start(int port, int httpPort) {
        String host = settings.config().server().host();
        devices = Javalin.create(cfg -> {
            quiet(cfg);
            cfg.routes.get(OtaResponder.WEBSOCKET_PATH, ctx -> ctx.result("Server is running; connect a device with a WebSocket to this URL."));
            cfg.routes.ws(OtaResponder.WEBSOCKET_PATH, this::deviceSocket);
            // Jetty's own idle timeout (30 s by default) would drop a silent device long before the
            // session's rules do (server.close_idle_seconds): keep it beyond them
            Duration idle = Duration.ofSeconds(settings.performance().server().closeIdleSeconds() + 30L);
            cfg.jetty.modifyWebSocketServletFactory(factory -> factory.setIdleTimeout(idle));
            otaRoutes(cfg);
            visionRoutes(cfg);
        }).start(host, port);
        http = Javalin.create(cfg -> {
            quiet(cfg);
            otaRoutes(cfg);
            visionRoutes(cfg);
            metricsRoutes(cfg);
        }).start(host, httpPort);
        LOG.info("gateway listening: devices on ws://{}:{}{}, OTA also on http://{}:{}{}", host, port(),
                OtaResponder.WEBSOCKET_PATH, host, httpPort(), OTA_PATH);
        return this;
    }

    public int port() {
        return devices.port();
    }

    public int httpPort() {
        return http.port();
    }

    public int openConnections() {
        return limiter.open();
    }

    /** Prometheus {@code /metrics} and {@code /health}, on the HTTP port only (not the device port). */
    private void metricsRoutes(JavalinConfig cfg) {
        if (meters instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus) {
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(prometheus.scrape()));
        }
        cfg.routes.get("/health", ctx -> ctx.contentType("application/json")
                .result("{\"service\":\"gateway\",\"status\":\"UP\",\"connections\":" + limiter.open() + "}"));
    }

    private void otaRoutes(JavalinConfig cfg) {
        cfg.routes.post(OTA_PATH + "activate", ctx -> {
            try {
                int status = ota.activationStatus(ctx.header("Device-Id"));
                ctx.status(status).contentType("text/plain; charset=utf-8").result(status == 200 ? "success" : "waiting for activation");
            } catch (OtaResponder.OtaException e) {
                ctx.status(e.status()).result(e.getMessage());
            }
        });
        cfg.routes.post(ADMIN_BIND_PATH, ctx -> {
            AdminBinding.Answer answer = admin.bind(ctx.header("Authorization"), ctx.bodyAsBytes());
            ctx.status(answer.status()).contentType("application/json").result(answer.json());
        });
        cfg.routes.get(OTA_PATH, ctx -> ctx.contentType("text/plain; charset=utf-8").result(ota.status(ctx.header("Host"))));
        cfg.routes.post(OTA_PATH, ctx -> {
            try {
                ctx.contentType("application/json").result(ota.checkIn(ctx.header("Device-Id"), ctx.header("Client-Id"),
                        ctx.header("User-Agent"), ctx.header("Host"), ctx.bodyAsBytes()));
            } catch (OtaResponder.OtaException e) {
                ctx.status(e.status()).contentType("application/json")
                        .result("{\"error\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getMessage()) + "}");
            }
        });
    }

    /**
     * Serves the vision upload on both listeners from {@link #start}, and hands the answers to its
     * photos to {@code requests} before any session sees them. Without it, the route is not served.
     */
    public GatewayServer vision(VisionEndpoint endpoint, VisionRequests requests) {
        this.vision = endpoint;
        this.visionRequests = requests;
        return this;
    }

    private void visionRoutes(JavalinConfig cfg) {
        if (vision != null) {
            cfg.routes.post(VisionEndpoint.PATH, vision::handle);
        }
    }

    private void deviceSocket(WsConfig ws) {
        ws.onConnect(ctx -> {
            Handshake handshake = Handshake.read(ctx::header, ctx::queryParam);
            if (handshake.deviceId().isEmpty()) {
                handshake("no_device_id");
                refuse(ctx, "Device-Id is missing or not a device id");
                return;
            }
            DeviceTokens.Verdict verdict = tokens.check(handshake.clientId(), handshake.deviceId(), handshake.authorization());
            if (!verdict.accepted()) {
                handshake("auth_failed");
                authFailures.increment();
                refuse(ctx, "authentication failed: " + verdict.failure().reason());
                return;
            }
            DeviceConnection connection = new DeviceConnection(ctx, handshake, UUID.randomUUID().toString());
            if (!limiter.admit(handshake.deviceId(), connection)) {
                handshake("full");
                ctx.closeSession(ConnectionLimiter.CLOSE_TRY_AGAIN_LATER, "server is full, try again later");
                return;
            }
            handshake("accepted");
            ctx.attribute(DeviceConnection.class.getName(), connection);
            DeviceSession session = new DeviceSession(connection.sessionId(), handshake.deviceId(), handshake.protocolVersion(),
                    ctx.header("Host") == null ? "" : ctx.header("Host"), new SocketTransport(ctx, slowDeviceDrops), services);
            sessions.put(connection.sessionId(), session);
            registerQuietly(() -> services.registry().connected(handshake.deviceId(), connection.sessionId()));
            ctx.attribute(DeviceSession.class.getName(), session);
        });
        ws.onMessage(ctx -> {
            DeviceSession session = ctx.attribute(DeviceSession.class.getName());
            if (session != null) {
                session.onText(ctx.message());
            }
        });
        ws.onBinaryMessage(ctx -> {
            DeviceSession session = ctx.attribute(DeviceSession.class.getName());
            if (session != null) {
                ByteBuffer data = ctx.data();
                byte[] frame = new byte[data.remaining()];
                data.duplicate().get(frame);
                session.onBinary(frame);
            }
        });
        ws.onClose(ctx -> {
            DeviceConnection connection = ctx.attribute(DeviceConnection.class.getName());
            if (connection != null) {
                limiter.closed(connection.handshake().deviceId(), connection);
                registerQuietly(() -> services.registry().disconnected(connection.handshake().deviceId(), connection.sessionId()));
                DeviceSession session = sessions.remove(connection.sessionId());
                if (session != null) {
                    session.close();
                }
            }
        });
    }

    private void handshake(String result) {
        Counter.builder("xiaozhi.gateway.handshakes").tag("result", result).description("WebSocket handshakes by result")
                .register(meters).increment();
    }

    /** The session registry is shared bookkeeping: its failure is logged, never a reason to drop a device. */
    private static void registerQuietly(Runnable update) {
        try {
            update.run();
        } catch (RuntimeException e) {
            LOG.warn("session registry update failed: {}", e.toString());
        }
    }

    /** Closes sessions that have overstayed (see {@link DeviceSession#closeIfIdle}); run every second. */
    public void sweepIdle(long now) {
        for (DeviceSession session : sessions.values()) {
            try {
                session.closeIfIdle(now);
            } catch (RuntimeException e) {
                LOG.warn("idle check of session {} failed: {}", session.sessionId(), e.toString());
            }
        }
    }

    /** Hands an answer from the downlink topic to its session; answers for sessions gone are dropped. */
    public void deliver(DownlinkRecord record) {
        if (visionRequests != null && visionRequests.offer(record)) {
            return;
        }
        DeviceSession session = sessions.get(record.sessionId());
        if (session != null) {
            session.onDownlink(record);
        }
    }

    /** Sends to a device without blocking the caller; a failed send closes nothing by itself. */
    /**
     * Sends to a device without blocking the caller. Sends still queued in Jetty for this device are
     * counted; past {@link #MAX_QUEUED_SENDS} (about 8 s of audio) a slow device's further audio is
     * dropped and counted, so one device cannot make the gateway's memory grow. Text messages (a few
     * per turn) always go.
     */
    private static final class SocketTransport implements DeviceSession.Transport {
        static final int MAX_QUEUED_SENDS = 128;

        private final WsContext ctx;
        private final Counter dropped;
        private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
        private final org.eclipse.jetty.websocket.api.Callback done = new org.eclipse.jetty.websocket.api.Callback() {
            @Override
            public void succeed() {
                queued.decrementAndGet();
            }

            @Override
            public void fail(Throwable cause) {
                queued.decrementAndGet();
            }
        };

        SocketTransport(WsContext ctx, Counter dropped) {
            this.ctx = ctx;
            this.dropped = dropped;
        }

        @Override
        public void sendText(String json) {
            if (ctx.session.isOpen()) {
                queued.incrementAndGet();
                ctx.session.sendText(json, done);
            }
        }

        @Override
        public void sendBinary(byte[] frame) {
            if (!ctx.session.isOpen()) {
                return;
            }
            if (queued.get() >= MAX_QUEUED_SENDS) {
                dropped.increment();
                return;
            }
            queued.incrementAndGet();
            ctx.session.sendBinary(ByteBuffer.wrap(frame), done);
        }

        @Override
        public void close(int code, String reason) {
            ctx.closeSession(code, reason);
        }
    }

    private static void refuse(WsContext ctx, String reason) {
        LOG.info("refusing a device connection: {}", reason);
        ctx.closeSession(CLOSE_POLICY, reason);
    }

    private static void quiet(JavalinConfig cfg) {
        cfg.startup.showJavalinBanner = false;
    }

    @Override
    public void close() {
        if (devices != null) {
            devices.stop();
        }
        if (http != null) {
            http.stop();
        }
    }
}
