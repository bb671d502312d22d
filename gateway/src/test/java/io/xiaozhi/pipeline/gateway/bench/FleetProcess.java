package io.xiaozhi.pipeline.gateway.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FleetClients} run in a child JVM: started with the same Java and the test classes on
 * its class path, read for its {@code RESULT} line, then told to close its connections.
 */
final class FleetProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    private FleetProcess(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    static FleetProcess start(int port, int devices, int batch, int pingSeconds, String heap) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes;
        try {
            classes = Path.of(FleetClients.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx" + heap, "-XX:+UseSerialGC", "-cp", classes,
                FleetClients.class.getName(), Integer.toString(port), Integer.toString(devices), Integer.toString(batch),
                Integer.toString(pingSeconds)));
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new FleetProcess(builder.start());
    }

    /** Waits for the fleet's {@code RESULT} line and returns its fields. */
    Map<String, String> result() throws IOException {
        return fields(lineStarting("RESULT"));
    }

    /** Tells the fleet to close and returns the fields of its {@code CLOSED} line. */
    Map<String, String> closeFleet() throws IOException {
        in.write("close\n");
        in.flush();
        return fields(lineStarting("CLOSED"));
    }

    private String lineStarting(String prefix) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(prefix + " ")) {
                return line;
            }
            System.out.println("  fleet: " + line);
        }
        throw new IOException("the fleet process ended without a " + prefix + " line");
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String token : line.split(" ")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                fields.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return fields;
    }

    @Override
    public void close() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
