package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up fails at once, and says where it tried to connect without showing a password. */
class DataSourcesStartupTest {

    private static final PerformanceConfig.MysqlPool POOL = new PerformanceConfig.MysqlPool(4, 1, 2, 30_000);

    @TempDir
    Path dataDir;

    private static String printed(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void anUnreachableDatabaseFailsFastNamingTheUrlButNotThePassword() {
        int port = ClosedPorts.find();
        String url = "jdbc:mariadb://127.0.0.1:" + port + "/xiaozhi?sslMode=disable&password=url-secret-42";
        ServiceConfig.Database database = new ServiceConfig.Database(ServiceConfig.DatabaseKind.MYSQL, url, "xiaozhi", "config-secret-42");

        long started = System.nanoTime();
        StorageUnavailableException error = catchThrowableOfType(StorageUnavailableException.class,
                () -> DataSources.create("gateway", database, POOL, dataDir, null));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(error).isNotNull();
        assertThat(error.getMessage())
                .startsWith("Cannot connect to the database at jdbc:mariadb://127.0.0.1:" + port
                        + "/xiaozhi?sslMode=disable&password=(hidden) as user 'xiaozhi': ");
        assertThat(printed(error)).doesNotContain("url-secret-42").doesNotContain("config-secret-42");
        assertThat(tookMillis).as("fails at once instead of waiting out max_wait").isLessThan(POOL.maxWait() / 3);
    }

    @Test
    void aMysqlSchemeUrlGetsAHintAboutTheMariaDbDriver() {
        String url = "jdbc:mysql://127.0.0.1:" + ClosedPorts.find() + "/xiaozhi";
        ServiceConfig.Database database = new ServiceConfig.Database(ServiceConfig.DatabaseKind.MYSQL, url, "root", "");

        StorageUnavailableException error = catchThrowableOfType(StorageUnavailableException.class,
                () -> DataSources.create("gateway", database, POOL, dataDir, null));

        assertThat(error).isNotNull();
        assertThat(error.getMessage()).contains(url).contains("permitMysqlScheme").contains("jdbc:mariadb:");
    }
}
