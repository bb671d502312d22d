package io.xiaozhi.pipeline.common.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The broker a test talks to, shared by every test of a run, and the way each test gets topics of
 * its own. Injected by {@link KafkaBrokerExtension}.
 */
public final class KafkaTestBroker implements AutoCloseable {

    private static final AtomicInteger TOPICS = new AtomicInteger();

    private final String bootstrapServers;
    private final Admin admin;
    private final AutoCloseable owner;
    private String testName = "test";

    KafkaTestBroker(String bootstrapServers, AutoCloseable owner) {
        this.bootstrapServers = bootstrapServers;
        this.owner = owner;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** An admin client on the broker, shared; do not close it. */
    public Admin admin() {
        return admin;
    }

    void currentTest(String name) {
        this.testName = name;
    }

    /** A topic name no other test of this run uses, derived from the current test's name. */
    public String uniqueTopicName() {
        String base = testName.replaceAll("[^A-Za-z0-9._-]", "-");
        if (base.length() > 150) {
            base = base.substring(0, 150);
        }
        return "test." + base + "." + TOPICS.incrementAndGet() + "." + System.nanoTime() % 100_000;
    }

    /** Creates a fresh topic with {@code partitions} partitions and returns its name. */
    public String createTopic(int partitions) {
        return createTopic(partitions, Map.of());
    }

    public String createTopic(int partitions, Map<String, String> configs) {
        String name = uniqueTopicName();
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test topic " + name, e);
        }
        return name;
    }

    @Override
    public void close() throws Exception {
        admin.close();
        owner.close();
    }
}
