package io.xiaozhi.pipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientsTest {

    @TempDir
    Path data;

    @Test
    void voiceProducersDoNotLingerAndAreIdempotent() {
        KafkaClients clients = new KafkaClients(TopicsTest.defaultKafka(), "gateway");
        Map<String, Object> voice = clients.producerConfig(KafkaClients.ProducerProfile.VOICE);
        assertThat(voice).containsEntry("linger.ms", 0).containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true).containsEntry("compression.type", "none")
                .containsEntry("bootstrap.servers", "localhost:9092");
        assertThat((String) voice.get("client.id")).startsWith("xiaozhi-gateway-producer-voice-");
        assertThat(clients.producerConfig(KafkaClients.ProducerProfile.BULK)).containsEntry("compression.type", "lz4");
    }

    @Test
    void consumersCommitOnlyWhatTheRuntimeFinished() {
        Map<String, Object> consumer = new KafkaClients(TopicsTest.defaultKafka(), "asr-worker").consumerConfig("xiaozhi.asr");
        assertThat(consumer).containsEntry("enable.auto.commit", false).containsEntry("group.id", "xiaozhi.asr")
                .containsEntry("auto.offset.reset", "earliest");
        assertThat(consumer).as("a dead worker's partitions move on within a turn's deadline")
                .containsEntry("session.timeout.ms", 10_000).containsEntry("heartbeat.interval.ms", 2_000);
    }

    @Test
    void rawOverridesFromConfigYamlApplyLast() throws IOException {
        Files.writeString(data.resolve(".config.yaml"), """
                kafka:
                  producer: {linger.ms: "5", security.protocol: SASL_SSL}
                  consumer: {auto.offset.reset: latest}
                  admin: {request.timeout.ms: "1234"}
                """);
        ServiceConfig.Kafka kafka = ConfigLoader.load(data, Map.of()).config().kafka();
        KafkaClients clients = new KafkaClients(kafka, "llm-worker");
        assertThat(clients.producerConfig(KafkaClients.ProducerProfile.VOICE))
                .containsEntry("linger.ms", "5").containsEntry("security.protocol", "SASL_SSL");
        assertThat(clients.consumerConfig("g")).containsEntry("auto.offset.reset", "latest");
        assertThat(clients.adminConfig()).containsEntry("request.timeout.ms", "1234");
    }
}
