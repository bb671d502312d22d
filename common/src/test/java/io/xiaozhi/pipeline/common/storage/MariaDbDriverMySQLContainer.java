package io.xiaozhi.pipeline.common.storage;

import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A Testcontainers {@link MySQLContainer} reached through the MariaDB driver, the one this project
 * ships: Testcontainers' own start-up check would otherwise look for MySQL's driver.
 */
public class MariaDbDriverMySQLContainer extends MySQLContainer {

    public MariaDbDriverMySQLContainer(DockerImageName image) {
        super(image);
    }

    @Override
    public String getDriverClassName() {
        return "org.mariadb.jdbc.Driver";
    }

    @Override
    public String getJdbcUrl() {
        return "jdbc:mariadb://" + getHost() + ":" + getMappedPort(MYSQL_PORT) + "/" + getDatabaseName();
    }

    /** The running container as a server tests create databases on (TLS off, MySQL 8's key exchange allowed). */
    public static MysqlServer server(MySQLContainer container, String source) {
        return new MysqlServer(container.getJdbcUrl() + "?sslMode=disable&allowPublicKeyRetrieval=true",
                container.getUsername(), container.getPassword(), source);
    }
}
