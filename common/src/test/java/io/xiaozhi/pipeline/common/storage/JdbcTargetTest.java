package io.xiaozhi.pipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JdbcTargetTest {

    @Test
    void mysqlUsesTheConfiguredUrlAndCredentialsUnchanged() {
        ServiceConfig.Database database = new ServiceConfig.Database(ServiceConfig.DatabaseKind.MYSQL,
                "jdbc:mariadb://db:3306/xiaozhi?sslMode=disable", "xiaozhi", "s3cret");
        JdbcTarget target = JdbcTarget.of(database, Path.of("data"));

        assertThat(target.url()).isEqualTo("jdbc:mariadb://db:3306/xiaozhi?sslMode=disable");
        assertThat(target.username()).isEqualTo("xiaozhi");
        assertThat(target.password()).isEqualTo("s3cret");
        assertThat(target.toString()).isEqualTo("jdbc:mariadb://db:3306/xiaozhi?sslMode=disable as user 'xiaozhi'");
    }

    @Test
    void embeddedIsAnH2FileInTheDataDirectoryInMariaDbMode() {
        ServiceConfig.Database database = new ServiceConfig.Database(ServiceConfig.DatabaseKind.EMBEDDED, "ignored", "u", "p");
        Path dataDir = Path.of("some", "data");
        JdbcTarget target = JdbcTarget.of(database, dataDir);

        Path file = dataDir.resolve("db").resolve("xiaozhi").toAbsolutePath().normalize();
        assertThat(target.url()).isEqualTo("jdbc:h2:file:" + file + ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE");
        assertThat(target.username()).isEqualTo("sa");
        assertThat(target.password()).isEmpty();
    }

    @Test
    void aDataDirectoryWithASemicolonIsRejected() {
        ServiceConfig.Database database = new ServiceConfig.Database(ServiceConfig.DatabaseKind.EMBEDDED, "", "", "");
        assertThatThrownBy(() -> JdbcTarget.of(database, Path.of("odd;name")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("';'");
    }

    @Test
    void passwordsInUrlsAreHidden() {
        assertThat(JdbcTarget.redact("jdbc:mariadb://h/db?user=a&password=x1&sslMode=disable"))
                .isEqualTo("jdbc:mariadb://h/db?user=a&password=(hidden)&sslMode=disable");
        assertThat(JdbcTarget.redact("jdbc:mysql://h/db?PWD=x1")).isEqualTo("jdbc:mysql://h/db?PWD=(hidden)");
        assertThat(JdbcTarget.redact("jdbc:mariadb://user:x1@h:3306/db")).isEqualTo("jdbc:mariadb://user:(hidden)@h:3306/db");
        assertThat(JdbcTarget.redact("jdbc:mariadb://h:3306/db")).isEqualTo("jdbc:mariadb://h:3306/db");
    }

    @Test
    void scrubHidesTheUrlsPasswordAndTheConfiguredOne() {
        JdbcTarget target = new JdbcTarget(ServiceConfig.DatabaseKind.MYSQL, "jdbc:mariadb://h/db?password=x1", "u", "pw-2");
        assertThat(target.scrub("failed for jdbc:mariadb://h/db?password=x1 with pw-2"))
                .isEqualTo("failed for jdbc:mariadb://h/db?password=(hidden) with (hidden)");
        assertThat(target.reveals("connection refused")).isFalse();
        assertThat(target.reveals("password pw-2 rejected")).isTrue();
    }
}
