package io.xiaozhi.pipeline.common.testing;

import io.xiaozhi.pipeline.common.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real Kafka broker: one in-process KRaft broker for the whole test run (started on
 * first use, stopped when the run ends), injected as a {@link KafkaTestBroker} parameter. Each test
 * creates its own topics through it. With {@code XIAOZHI_TEST_KAFKA_BOOTSTRAP} set, tests use that
 * broker instead (for example one started by {@code infra/kafka/run-broker.sh}).
 *
 * <pre>{@code
 * @ExtendWith(KafkaBrokerExtension.class)
 * class RoundTripTest {
 *     @Test void roundTrip(KafkaTestBroker kafka) { String topic = kafka.createTopic(3); ... }
 * }
 * }</pre>
 */
public final class KafkaBrokerExtension implements ParameterResolver, BeforeEachCallback {

    public static final String EXTERNAL_BROKER_VARIABLE = "XIAOZHI_TEST_KAFKA_BOOTSTRAP";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaTestBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        KafkaTestBroker broker = shared(context);
        broker.currentTest(context.getRequiredTestClass().getSimpleName()
                + context.getTestMethod().map(m -> "." + m.getName()).orElse(""));
        return broker;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        shared(context).currentTest(context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName());
    }

    /** The run's broker, started on first use. */
    public static KafkaTestBroker shared(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(KafkaTestBroker.class, key -> start(), KafkaTestBroker.class);
    }

    private static KafkaTestBroker start() {
        String external = System.getenv(EXTERNAL_BROKER_VARIABLE);
        if (external != null && !external.isBlank()) {
            return new KafkaTestBroker(external, () -> { });
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
        return new KafkaTestBroker(broker.bootstrapServers(), broker);
    }
}
