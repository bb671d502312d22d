package io.xiaozhi.pipeline.gateway.vision;

import io.micrometer.core.instrument.MeterRegistry;
import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.envelope.VisionRequest;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.Topics;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The vision upload's parts as a gateway runs them: tokens keyed by {@code server.auth.secret} (or a
 * random key), the {@code ai_providers.vllm.timeout} for both the request's deadline and the wait,
 * at most {@link VisionRequests#DEFAULT_MAX_PENDING} photos waiting, and images of at most
 * {@link VisionRequest#MAX_IMAGE_BYTES}.
 */
public record VisionWiring(VisionTokens tokens, VisionRequests requests, VisionEndpoint endpoint) {

    public static VisionWiring create(Settings settings, Producer<String, byte[]> producer, String replyTo, MeterRegistry meters) {
        VisionTokens tokens = VisionTokens.forAuth(settings.config().server().auth(), Clock.systemUTC());
        VisionRequests requests = new VisionRequests(producer, Topics.requests(Stage.VLLM), replyTo,
                settings.performance().aiProviders().vllm().timeoutDuration(), VisionRequests.DEFAULT_MAX_PENDING,
                System::currentTimeMillis, meters);
        return new VisionWiring(tokens, requests,
                new VisionEndpoint(new UploadReader(tokens, VisionRequest.MAX_IMAGE_BYTES), requests, meters));
    }

    /**
     * The gateway's producer settings with room for a photo in one record: above Kafka's default
     * 1 MiB request size. Other records stay as small as they were.
     */
    public static Map<String, Object> producerConfig(KafkaClients clients) {
        Map<String, Object> config = clients.producerConfig(KafkaClients.ProducerProfile.VOICE);
        config.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, VisionRequest.MAX_RECORD_BYTES);
        return config;
    }
}
