package io.xiaozhi.pipeline.monitor.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's files, read once from the classpath ({@code /dashboard/...} in the jar): the page,
 * its script and style, the shared chart helpers, and the vendored chart library with its licence.
 * Only these are served, so no request can reach another resource.
 */
public final class DashboardAssets {

    /** A file and its media type. */
    public record Asset(String contentType, byte[] body) {
    }

    /** Paths below {@code /dashboard/} with their media types. */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "charts.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8",
            "vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8",
            "vendor/uPlot.min.css", "text/css; charset=utf-8",
            "vendor/LICENSE", "text/plain; charset=utf-8",
            "vendor/README.md", "text/markdown; charset=utf-8");

    private final Map<String, Asset> assets;

    private DashboardAssets(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** Reads every file; a missing one is a broken build and fails here, at start-up. */
    public static DashboardAssets load() {
        Map<String, Asset> assets = new LinkedHashMap<>();
        FILES.forEach((name, type) -> assets.put(name, new Asset(type, read(name))));
        return new DashboardAssets(assets);
    }

    /** The file at {@code path} below {@code /dashboard/}, if it is one of the dashboard's. */
    public Optional<Asset> get(String path) {
        return Optional.ofNullable(assets.get(path));
    }

    /** The text of a dashboard file (for inlining into a self-contained report). */
    public static String text(String name) {
        if (!FILES.containsKey(name)) {
            throw new IllegalArgumentException("not a dashboard file: " + name);
        }
        return new String(read(name), StandardCharsets.UTF_8);
    }

    private static byte[] read(String name) {
        try (InputStream in = DashboardAssets.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard file " + name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard file " + name, e);
        }
    }
}
