package io.xiaozhi.pipeline.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gateway's side of the pipeline, against a real broker: what it publishes and how it reads answers. */
@ExtendWith(KafkaBrokerExtension.class)
class PipelineSideTest {

    private static KafkaClients clients(KafkaTestBroker kafka) {
        ServiceConfig config = ConfigLoader.load(Path.of("target", "no-data-dir"),
                Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())).config();
        return new KafkaClients(config.kafka(), "gateway-test");
    }

    private static PipelineTopics topics(KafkaTestBroker kafka) {
        return new PipelineTopics(kafka.createTopic(2), kafka.createTopic(2), kafka.createTopic(1), kafka.createTopic(1));
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(KafkaClients clients, String topic, int count) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(clients.groupLessConsumerConfig("reader"))) {
            List<TopicPartition> all = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(all);
            c.seekToBeginning(all);
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < count && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void utterancesTextAndCancellationsCarryTheEnvelope(KafkaTestBroker kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        PipelineTopics topics = topics(kafka);
        Turn turn = new Turn("s-1", "aa:bb:cc:dd:ee:ff", "t-1");
        List<byte[]> packets = List.of(new byte[] {1, 2, 3}, new byte[] {4, 5});
        try (KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.VOICE)) {
            UtterancePublisher publisher = new UtterancePublisher(producer, topics, Duration.ofSeconds(30));
            publisher.utterance(turn, packets, 1_000_000L).get(10, TimeUnit.SECONDS);
            publisher.text(turn, "what time is it", 2_000_000L).get(10, TimeUnit.SECONDS);
            publisher.cancel(turn).get(10, TimeUnit.SECONDS);
        }
        ConsumerRecord<String, byte[]> utterance = readAll(clients, topics.asrRequests(), 1).get(0);
        assertThat(utterance.key()).isEqualTo("s-1");
        assertThat(Envelope.readFrom(utterance.headers()))
                .isEqualTo(new Envelope("s-1", "aa:bb:cc:dd:ee:ff", "t-1", 1_030_000L, topics.downlink()));
        assertThat(HeaderValues.requiredNumber(utterance.headers(), EnvelopeHeaders.END_OF_SPEECH)).isEqualTo(1_000_000L);
        assertThat(AudioFrames.decode(utterance.value())).containsExactlyElementsOf(packets);

        ConsumerRecord<String, byte[]> text = readAll(clients, topics.llmRequests(), 1).get(0);
        assertThat(new String(text.value(), StandardCharsets.UTF_8)).isEqualTo("what time is it");
        assertThat(Envelope.readFrom(text.headers()).deadlineEpochMs()).isEqualTo(2_030_000L);

        ConsumerRecord<String, byte[]> cancel = readAll(clients, topics.control(), 1).get(0);
        assertThat(HeaderValues.requiredText(cancel.headers(), EnvelopeHeaders.TYPE)).isEqualTo(MessageTypes.CANCEL);
        assertThat(HeaderValues.requiredText(cancel.headers(), EnvelopeHeaders.TURN)).isEqualTo("t-1");
    }

    @Test
    void theListenerReadsFromTheEndAndDropsRecordsWithoutAnEnvelope(KafkaTestBroker kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        String downlink = kafka.createTopic(3);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<DownlinkRecord> received = new CopyOnWriteArrayList<>();
        try (KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.VOICE)) {
            producer.send(sentence(downlink, "old", 0, false)).get(10, TimeUnit.SECONDS);
            try (DownlinkListener listener = new DownlinkListener(clients, downlink, received::add, meters).start()) {
                assertThat(listener.awaitReady(Duration.ofSeconds(30))).isTrue();
                producer.send(new ProducerRecord<>(downlink, "s-1", new byte[] {1})).get(10, TimeUnit.SECONDS);
                producer.send(sentence(downlink, "Hello there.", 0, false)).get(10, TimeUnit.SECONDS);
                producer.send(sentence(downlink, "Bye.", 1, true)).get(10, TimeUnit.SECONDS);
                long deadline = System.currentTimeMillis() + 20_000;
                while (received.size() < 2 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(300);
            }
        }
        assertThat(received).extracting(r -> new String(r.payload(), StandardCharsets.UTF_8)).containsExactly("Hello there.", "Bye.");
        assertThat(received.get(1).last()).isTrue();
        assertThat(received.get(1).seq()).isEqualTo(1);
        assertThat(received.get(0).type()).isEqualTo(MessageTypes.SENTENCE);
        assertThat(meters.get("xiaozhi.gateway.downlink.malformed").counter().count()).isEqualTo(1);
    }

    private static ProducerRecord<String, byte[]> sentence(String topic, String text, int seq, boolean last) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "s-1", text.getBytes(StandardCharsets.UTF_8));
        new Envelope("s-1", "aa:bb:cc:dd:ee:ff", "t-1", System.currentTimeMillis() + 30_000, topic).writeTo(record.headers());
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, MessageTypes.SENTENCE);
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.SEQUENCE, seq);
        HeaderValues.putBoolean(record.headers(), EnvelopeHeaders.LAST, last);
        return record;
    }
}
