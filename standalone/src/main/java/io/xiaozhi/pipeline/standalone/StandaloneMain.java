package io.xiaozhi.pipeline.standalone;

import io.xiaozhi.pipeline.common.config.ServiceBootstrap;
import io.xiaozhi.pipeline.common.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar xiaozhi-standalone.jar [--data-dir DIR]}: the whole server in one process. */
public final class StandaloneMain {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneMain.class);

    private StandaloneMain() {
    }

    public static void main(String[] args) {
        Settings settings = ServiceBootstrap.loadOrExit("standalone", args);
        StandaloneServer server;
        try {
            server = StandaloneServer.start(settings);
        } catch (Exception e) {
            LOG.error("the server did not start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            server.close();
        }, "standalone-shutdown"));
        System.out.println();
        System.out.println("xiaozhi-pipeline standalone server is running (Ctrl-C stops it)");
        server.describe().forEach(line -> System.out.println("  " + line));
        System.out.println();
    }
}
