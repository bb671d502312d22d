package io.xiaozhi.pipeline.common.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker the standalone server runs: its data directory survives a restart. */
class EmbeddedKafkaBrokerTest {

    @TempDir
    Path data;

    @Test
    void topicsSurviveARestartOnTheSameDataDirectory() throws Exception {
        String clusterId;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(data).build().start();
             Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            clusterId = admin.describeCluster().clusterId().get();
        }
        assertThat(data.resolve("meta.properties")).exists();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(data).build().start();
             Admin admin = admin(broker)) {
            assertThat(admin.listTopics().names().get()).contains("kept");
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
        }
    }

    @Test
    void aTemporaryDataDirectoryIsRemovedOnClose() {
        Path dir;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            dir = broker.dataDir();
            assertThat(Files.isDirectory(dir)).isTrue();
            assertThat(broker.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(70_000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().cleanerDedupeBufferBytes(1000)).hasMessageContaining("1 MiB");
    }

    private static Admin admin(EmbeddedKafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
