package io.xiaozhi.pipeline.gateway;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xiaozhi.pipeline.common.config.ServiceBootstrap;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.service.ServiceHost;
import io.xiaozhi.pipeline.common.storage.DataSources;
import io.xiaozhi.pipeline.common.storage.Migrations;
import io.xiaozhi.pipeline.gateway.auth.DeviceTokens;
import io.xiaozhi.pipeline.gateway.ota.AdminBinding;
import io.xiaozhi.pipeline.gateway.ota.JdbcDeviceRegistry;
import io.xiaozhi.pipeline.gateway.ota.OtaResponder;
import java.time.Clock;

/** {@code gateway [--data-dir DIR]}: the device-facing service. */
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = ServiceBootstrap.loadOrExit("gateway", args);
        // /metrics is served on the gateway's HTTP port; the host only publishes snapshots to xiaozhi.metrics
        ServiceHost host = ServiceHost.start("gateway", settings, ServiceHost.newRegistry("gateway"), -1);
        PrometheusMeterRegistry meters = host.registry();
        Clock clock = Clock.systemUTC();
        HikariDataSource database = DataSources.create("gateway", settings, meters);
        Migrations.migrate(database);
        DeviceTokens tokens = new DeviceTokens(settings.config().server().auth(), clock);
        JdbcDeviceRegistry devices = new JdbcDeviceRegistry(database, clock);
        OtaResponder ota = new OtaResponder(settings.config().server(), tokens, devices, clock, meters);
        AdminBinding admin = new AdminBinding(settings.config().server().adminToken(), devices);
        Gateway gateway = Gateway.start(settings, tokens, ota, admin, meters, settings.config().server().port(),
                settings.config().server().httpPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            database.close();
            host.close();
            org.slf4j.LoggerFactory.getLogger(GatewayMain.class).info("gateway: stopped");
        }, "gateway-shutdown"));
    }
}
