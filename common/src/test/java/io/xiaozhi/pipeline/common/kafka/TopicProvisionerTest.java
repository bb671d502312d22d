package io.xiaozhi.pipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class TopicProvisionerTest {

    private static TopicSpec spec(String name, int partitions, Map<String, String> configs) {
        return new TopicSpec(name, TopicKind.REQUESTS, partitions, (short) 1, configs);
    }

    @Test
    void createsWhatIsMissingAndASecondRunChangesNothing(KafkaTestBroker kafka) throws Exception {
        String a = kafka.uniqueTopicName();
        String b = kafka.uniqueTopicName();
        List<TopicSpec> specs = List.of(spec(a, 3, Map.of("message.timestamp.type", "LogAppendTime", "retention.ms", "3600000")),
                spec(b, 1, Map.of("cleanup.policy", "compact")));
        TopicProvisioner provisioner = new TopicProvisioner(kafka.admin(), Duration.ofSeconds(30));

        TopicProvisioner.Result first = provisioner.ensure(specs);
        assertThat(first.created()).containsExactlyInAnyOrder(a, b);
        TopicProvisioner.Result second = provisioner.ensure(specs);
        assertThat(second.changedAnything()).isFalse();
        assertThat(second.unchanged()).containsExactlyInAnyOrder(a, b);

        assertThat(kafka.admin().describeTopics(List.of(a)).allTopicNames().get().get(a).partitions()).hasSize(3);
        Config config = kafka.admin().describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, a))).all().get()
                .get(new ConfigResource(ConfigResource.Type.TOPIC, a));
        assertThat(config.get("message.timestamp.type").value()).isEqualTo("LogAppendTime");
        assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
    }

    @Test
    void growsPartitionsAndFixesConfigsThatDrifted(KafkaTestBroker kafka) {
        String name = kafka.uniqueTopicName();
        TopicProvisioner provisioner = new TopicProvisioner(kafka.admin(), Duration.ofSeconds(30));
        provisioner.ensure(List.of(spec(name, 2, Map.of("retention.ms", "1000000"))));

        TopicProvisioner.Result result = provisioner.ensure(List.of(spec(name, 4, Map.of("retention.ms", "2000000"))));
        assertThat(result.partitionsIncreased()).containsExactly(name);
        assertThat(result.configsUpdated()).containsExactly(name);

        TopicProvisioner.Result shrink = provisioner.ensure(List.of(spec(name, 1, Map.of("retention.ms", "2000000"))));
        assertThat(shrink.changedAnything()).isFalse();
        assertThat(shrink.largerThanWanted()).containsExactly(name);
    }

    @Test
    void servicesStartingTogetherBothSucceed(KafkaTestBroker kafka) throws Exception {
        List<TopicSpec> specs = List.of(spec(kafka.uniqueTopicName(), 2, Map.of()), spec(kafka.uniqueTopicName(), 2, Map.of()));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Callable<TopicProvisioner.Result> task = () -> new TopicProvisioner(kafka.admin(), Duration.ofSeconds(30)).ensure(specs);
            List<Future<TopicProvisioner.Result>> results = pool.invokeAll(List.of(task, task, task));
            int created = 0;
            for (Future<TopicProvisioner.Result> result : results) {
                created += result.get().created().size();
            }
            assertThat(created).as("each topic created exactly once").isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void thePipelineTopicsProvisionAndDownlinkTopicsComeAndGo(KafkaTestBroker kafka) throws Exception {
        Topics topics = new Topics(TopicsTest.defaultKafka());
        TopicProvisioner provisioner = new TopicProvisioner(kafka.admin(), Duration.ofSeconds(30));
        provisioner.ensure(topics.pipelineTopics());
        assertThat(provisioner.ensure(topics.pipelineTopics()).changedAnything()).isFalse();
        assertThat(kafka.admin().listTopics().names().get()).contains(Topics.requests(Stage.ASR), Topics.LAG, Topics.CONTROL);

        String gateway = "gw-" + System.nanoTime();
        TopicSpec downlink = topics.downlinkTopic(gateway);
        assertThat(provisioner.ensure(List.of(downlink)).created()).containsExactly("xiaozhi.downlink." + gateway);
        assertThat(provisioner.deleteIfExists(downlink.name())).isTrue();
        assertThat(provisioner.deleteIfExists(downlink.name())).isFalse();
    }
}
