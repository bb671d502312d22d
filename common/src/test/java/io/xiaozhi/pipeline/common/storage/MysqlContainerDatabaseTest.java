package io.xiaozhi.pipeline.common.storage;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.utility.DockerImageName;

/** The database contract on a throw-away MySQL in a container; skipped where there is no Docker. */
@Testcontainers(disabledWithoutDocker = true)
class MysqlContainerDatabaseTest extends DatabaseContract {

    static final DockerImageName IMAGE = DockerImageName.parse("mysql:8.4");

    @Container
    static final MySQLContainer MYSQL = new MariaDbDriverMySQLContainer(IMAGE).withUsername("root").withPassword("test");

    @Override
    protected TestDatabase createDatabase() {
        return TestDatabases.createOn(MariaDbDriverMySQLContainer.server(MYSQL, "Testcontainers " + IMAGE));
    }
}
