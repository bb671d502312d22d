package io.xiaozhi.pipeline.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the cluster hold the topics a service needs, at start-up, idempotently: creates what is
 * missing, grows partition counts that are too small (never shrinks: Kafka cannot), and sets
 * topic configs that differ. Several services may provision the same topics at once; losing the race
 * to create a topic is not an error.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;
    private final Duration timeout;

    public TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** What one call changed. A second call with the same specs reports only {@code unchanged}. */
    public record Result(List<String> created, List<String> partitionsIncreased, List<String> configsUpdated,
                         List<String> unchanged, List<String> largerThanWanted) {

        public boolean changedAnything() {
            return !created.isEmpty() || !partitionsIncreased.isEmpty() || !configsUpdated.isEmpty();
        }
    }

    public Result ensure(Collection<TopicSpec> specs) {
        Map<String, TopicSpec> wanted = specs.stream().collect(Collectors.toMap(TopicSpec::name, s -> s, (a, b) -> {
            if (!a.equals(b)) {
                throw new IllegalArgumentException("two different specs for topic " + a.name());
            }
            return a;
        }));
        List<String> created = new ArrayList<>();
        List<String> grown = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        List<String> larger = new ArrayList<>();

        Set<String> existing = await(admin.listTopics().names(), "list topics");
        List<NewTopic> toCreate = wanted.values().stream()
                .filter(spec -> !existing.contains(spec.name()))
                .map(spec -> new NewTopic(spec.name(), spec.partitions(), spec.replicationFactor()).configs(spec.configs()))
                .toList();
        if (!toCreate.isEmpty()) {
            admin.createTopics(toCreate).values().forEach((name, future) -> {
                try {
                    await(future, "create topic " + name);
                    created.add(name);
                } catch (KafkaOperationException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    LOG.debug("topic {} was created concurrently", name);
                }
            });
        }

        List<String> toInspect = wanted.keySet().stream().filter(name -> !created.contains(name)).sorted().toList();
        if (!toInspect.isEmpty()) {
            Map<String, TopicDescription> descriptions = describeSoonAfterCreation(toInspect);
            Map<ConfigResource, Config> configs = await(admin.describeConfigs(toInspect.stream()
                    .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all(), "describe topic configs");
            Map<String, NewPartitions> growth = new HashMap<>();
            Map<ConfigResource, Collection<AlterConfigOp>> alterations = new HashMap<>();
            for (String name : toInspect) {
                TopicSpec spec = wanted.get(name);
                int actual = descriptions.get(name).partitions().size();
                if (actual < spec.partitions()) {
                    growth.put(name, NewPartitions.increaseTo(spec.partitions()));
                } else if (actual > spec.partitions()) {
                    larger.add(name);
                }
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
                Config current = configs.get(resource);
                List<AlterConfigOp> ops = spec.configs().entrySet().stream()
                        .filter(e -> {
                            ConfigEntry entry = current.get(e.getKey());
                            return entry == null || !e.getValue().equals(entry.value());
                        })
                        .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                        .toList();
                if (!ops.isEmpty()) {
                    alterations.put(resource, ops);
                }
            }
            if (!growth.isEmpty()) {
                LOG.warn("growing partitions of {}: records of one key may land on a new partition from now on", growth.keySet());
                await(admin.createPartitions(growth).all(), "grow partitions");
                grown.addAll(growth.keySet());
            }
            if (!alterations.isEmpty()) {
                await(admin.incrementalAlterConfigs(alterations).all(), "update topic configs");
                alterations.keySet().forEach(resource -> updated.add(resource.name()));
            }
            for (String name : toInspect) {
                if (!growth.containsKey(name) && !updated.contains(name)) {
                    unchanged.add(name);
                }
            }
            if (!larger.isEmpty()) {
                LOG.info("topics with more partitions than configured (left as they are): {}", larger);
            }
        }
        Result result = new Result(sorted(created), sorted(grown), sorted(updated), sorted(unchanged), sorted(larger));
        if (result.changedAnything()) {
            LOG.info("topics provisioned: created {}, partitions grown {}, configs updated {}", result.created(),
                    result.partitionsIncreased(), result.configsUpdated());
        }
        return result;
    }

    /**
     * Describes topics, waiting briefly when one that another service just created is not yet known
     * to the broker that answers.
     */
    private Map<String, TopicDescription> describeSoonAfterCreation(List<String> names) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return await(admin.describeTopics(names).allTopicNames(), "describe topics");
            } catch (KafkaOperationException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaOperationException("describe topics was interrupted", e);
            }
        }
    }

    /** Deletes a topic if it exists (a gateway's downlink topic on a clean stop); true if it was deleted. */
    public boolean deleteIfExists(String topic) {
        try {
            await(admin.deleteTopics(List.of(topic)).all(), "delete topic " + topic);
            return true;
        } catch (KafkaOperationException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
    }

    private <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaOperationException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaOperationException(what + " did not complete within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaOperationException(what + " was interrupted", e);
        }
    }

    private static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }

    /** An admin operation failed; the cause is Kafka's own exception. */
    public static final class KafkaOperationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public KafkaOperationException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
