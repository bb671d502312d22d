package io.xiaozhi.pipeline.monitor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's HTTP listener ({@code monitor.host}:{@code monitor.port}):
 * <ul>
 *   <li>{@code GET /api/lag}: {@code {"timestamp", "stages": [StageLag...]}}</li>
 *   <li>{@code GET /api/metrics}: {@code {"timestamp", "windows": [WindowStats...]}}, the latest per service and stage</li>
 *   <li>{@code GET /api/alerts[?limit=N]}: {@code {"active": [...], "recent": [...]}} (recent: newest first, N from 1 to
 *       {@value #MAX_ALERT_LIMIT}, default {@value #DEFAULT_ALERT_LIMIT})</li>
 *   <li>{@code GET /api/history[?from=&to=]}: {@code {"from", "to", "clamped", ["note"], "windows": [WindowStats...],
 *       "lag": [lag samples...], "lag_since"}}; the ends are epoch ms or ISO-8601 instants (see {@link TimeRange})</li>
 *   <li>{@code GET /metrics} (Prometheus, this process's registry), {@code GET /health}, and the dashboard at {@code /}
 *       with its files under {@code /dashboard/}</li>
 * </ul>
 * Every answer under {@code /api} is JSON. A bad parameter is 400 {@code {"error": "..."}} naming it, an
 * unknown path 404, a part of the monitor that cannot answer 503; bad input never makes a 500.
 * The server also samples {@link MonitorData#lag()} every {@code monitor.lag_interval} seconds into a
 * {@link LagHistory} kept for {@code monitor.history_hours}, which {@code /api/history} serves with the windows.
 * Meters: {@code xiaozhi.monitor.api.errors{reason}}, {@code xiaozhi.monitor.lag_history.failures},
 * {@code xiaozhi.monitor.lag_history.skipped}.
 */
public final class MonitorServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorServer.class);
    static final int DEFAULT_ALERT_LIMIT = 50;
    static final int MAX_ALERT_LIMIT = 1000;
    /** Lag samples per stage in one {@code /api/history} answer; longer ranges are merged into buckets. */
    static final int MAX_LAG_POINTS = 2000;
    private static final String JSON = "application/json";

    /**
     * Where to listen and how much history to keep.
     *
     * @param lagInterval how often {@link MonitorData#lag()} is sampled into the lag history; zero: never
     */
    public record Options(String host, int port, Duration history, Duration lagInterval) {

        /** From {@code monitor.host}, {@code monitor.history_hours} and {@code monitor.lag_interval}, on {@code port} (0: any free one). */
        public static Options of(Settings settings, int port) {
            return new Options(settings.config().monitor().host(), port,
                    Duration.ofHours(settings.performance().monitor().historyHours()),
                    Duration.ofSeconds(settings.performance().monitor().lagInterval()));
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Options options;
    private final MonitorData data;
    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    private final LagHistory lagHistory;
    private final DashboardAssets assets;
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final Counter lagSamplingFailures;
    private final ScheduledExecutorService sampler;
    private volatile BooleanSupplier healthy = () -> true;
    private Javalin app;

    private MonitorServer(Options options, MonitorData data, PrometheusMeterRegistry registry, Clock clock) {
        this.options = options;
        this.data = data;
        this.registry = registry;
        this.clock = clock;
        // at most one sample per second over the retention (lag_interval is at least 1 s)
        this.lagHistory = new LagHistory(options.history(), (int) Math.min(Integer.MAX_VALUE, Math.max(1, options.history().toSeconds())));
        this.assets = DashboardAssets.load();
        this.lagSamplingFailures = Counter.builder("xiaozhi.monitor.lag_history.failures")
                .description("lag samples not taken because the lag sampler could not answer").register(registry);
        FunctionCounter.builder("xiaozhi.monitor.lag_history.skipped", lagHistory, LagHistory::skipped)
                .description("StageLag entries without a stage or timestamp, not kept in the lag history").register(registry);
        this.sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "monitor-lag-history");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts on {@code monitor.host}:{@code port} with the settings' history and lag interval. */
    public static MonitorServer start(Settings settings, MonitorData data, PrometheusMeterRegistry registry, int port) {
        return start(Options.of(settings, port), data, registry, Clock.systemUTC());
    }

    public static MonitorServer start(Options options, MonitorData data, PrometheusMeterRegistry registry, Clock clock) {
        MonitorServer server = new MonitorServer(options, data, registry, clock);
        server.app = Javalin.create(server::configure).start(options.host(), options.port());
        if (!options.lagInterval().isZero()) {
            server.sampler.scheduleAtFixedRate(server::sampleLag, 0, options.lagInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("monitor: dashboard and API on http://{}:{}/", options.host(), server.port());
        return server;
    }

    public int port() {
        return app.port();
    }

    /** What {@code /health} reports: 200 {@code UP} while true, 503 {@code DOWN} otherwise. */
    public void healthCheck(BooleanSupplier check) {
        this.healthy = check;
    }

    /** The lag samples this server has taken. */
    public LagHistory lagHistory() {
        return lagHistory;
    }

    private void configure(JavalinConfig cfg) {
        cfg.startup.showJavalinBanner = false;
        cfg.routes.get("/api/lag", ctx -> {
            ObjectNode body = json.createObjectNode();
            body.put("timestamp", clock.millis());
            body.set("stages", array(fetch("lag", data::lag)));
            send(ctx, 200, body);
        });
        cfg.routes.get("/api/metrics", ctx -> {
            ObjectNode body = json.createObjectNode();
            body.put("timestamp", clock.millis());
            body.set("windows", array(fetch("metrics", data::latestWindows)));
            send(ctx, 200, body);
        });
        cfg.routes.get("/api/alerts", ctx -> {
            int limit = limit(QueryParameters.parse(ctx.queryString()).get("limit"));
            ObjectNode body = json.createObjectNode();
            body.set("active", array(fetch("alerts", data::activeAlerts)));
            body.set("recent", array(fetch("alerts", () -> data.recentAlerts(limit))));
            send(ctx, 200, body);
        });
        cfg.routes.get("/api/history", ctx -> {
            QueryParameters query = QueryParameters.parse(ctx.queryString());
            TimeRange range = TimeRange.of(query.get("from"), query.get("to"), clock.millis(), options.history());
            ObjectNode body = json.createObjectNode();
            body.put("from", range.from());
            body.put("to", range.to());
            body.put("clamped", range.clamped());
            if (range.note() != null) {
                body.put("note", range.note());
            }
            body.set("windows", array(fetch("history", () -> data.history(range.from(), range.to()))));
            ArrayNode lag = body.putArray("lag");
            lagHistory.range(range.from(), range.to(), MAX_LAG_POINTS).forEach(lag::add);
            Long since = lagHistory.oldest();
            if (since == null) {
                body.putNull("lag_since");
            } else {
                body.put("lag_since", since);
            }
            send(ctx, 200, body);
        });
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
        cfg.routes.get("/health", ctx -> {
            boolean up = healthy.getAsBoolean();
            ObjectNode body = json.createObjectNode();
            body.put("service", "monitor");
            body.put("status", up ? "UP" : "DOWN");
            send(ctx, up ? 200 : 503, body);
        });
        cfg.routes.get("/", ctx -> asset(ctx, "index.html"));
        cfg.routes.get("/dashboard/<path>", ctx -> asset(ctx, ctx.pathParam("path")));
        cfg.routes.exception(BadRequestException.class, (e, ctx) -> error(ctx, 400, "bad_request", e.getMessage()));
        cfg.routes.exception(DataUnavailableException.class, (e, ctx) -> error(ctx, 503, "data_unavailable", e.getMessage()));
        cfg.routes.exception(Exception.class, (e, ctx) -> {
            LOG.warn("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal", "internal error: " + e.getClass().getSimpleName());
        });
        cfg.routes.error(404, ctx -> error(ctx, 404, "not_found", "no such resource: " + ctx.path()));
        cfg.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()));
    }

    private void asset(Context ctx, String path) {
        DashboardAssets.Asset asset = assets.get(path).orElse(null);
        if (asset == null) {
            ctx.status(404); // answered by the 404 handler
            return;
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(asset.contentType()).result(asset.body());
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_ALERT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= MAX_ALERT_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadRequestException("limit: not a whole number from 1 to " + MAX_ALERT_LIMIT + ": "
                + (text.length() > 32 ? text.substring(0, 32) + "…" : text));
    }

    /** A part's answer, or a 503 naming the part when it fails or answers {@code null}. */
    private static List<JsonNode> fetch(String part, Supplier<List<JsonNode>> call) {
        List<JsonNode> answer;
        try {
            answer = call.get();
        } catch (RuntimeException e) {
            throw new DataUnavailableException(part + " unavailable: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        if (answer == null) {
            throw new DataUnavailableException(part + " unavailable: no answer");
        }
        return answer;
    }

    private ArrayNode array(List<JsonNode> nodes) {
        ArrayNode array = json.createArrayNode();
        nodes.forEach(array::add);
        return array;
    }

    private void sampleLag() {
        try {
            lagHistory.record(fetch("lag", data::lag), clock.millis());
        } catch (RuntimeException e) {
            lagSamplingFailures.increment();
            LOG.debug("lag history: {}", e.getMessage());
        }
    }

    private void send(Context ctx, int status, JsonNode body) throws JsonProcessingException {
        ctx.status(status).header("Cache-Control", "no-store").contentType(JSON).result(json.writeValueAsString(body));
    }

    private void error(Context ctx, int status, String reason, String message) {
        errors.computeIfAbsent(reason, r -> Counter.builder("xiaozhi.monitor.api.errors").tag("reason", r)
                .description("API requests answered with an error, by reason").register(registry)).increment();
        ObjectNode body = json.createObjectNode();
        body.put("error", message);
        try {
            send(ctx, status, body);
        } catch (JsonProcessingException e) {
            ctx.status(status).result("{\"error\":\"" + reason + "\"}");
        }
    }

    /** A part of the monitor that could not answer (503). */
    static final class DataUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DataUnavailableException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        if (app != null) {
            app.stop();
        }
    }
}
