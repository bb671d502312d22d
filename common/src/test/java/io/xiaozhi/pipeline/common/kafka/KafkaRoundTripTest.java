package io.xiaozhi.pipeline.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.config.ConfigLoader;
import io.xiaozhi.pipeline.common.config.ServiceConfig;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.testing.KafkaBrokerExtension;
import io.xiaozhi.pipeline.common.testing.KafkaTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaRoundTripTest {

    @TempDir
    Path data;

    private KafkaClients clients(KafkaTestBroker kafka) {
        ServiceConfig config = ConfigLoader.load(data, Map.of("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())).config();
        return new KafkaClients(config.kafka(), "test");
    }

    @Test
    void anUtteranceRoundTripsWithItsEnvelopeAndAudio(KafkaTestBroker kafka) throws Exception {
        String topic = kafka.createTopic(3, Map.of("message.timestamp.type", "LogAppendTime"));
        KafkaClients clients = clients(kafka);
        List<byte[]> packets = List.of(new byte[] {1, 2, 3}, new byte[200], new byte[] {(byte) 0xFC, 0x7F});
        Envelope envelope = new Envelope("session-1", "aa:bb:cc:dd:ee:ff", "turn-7", System.currentTimeMillis() + 30_000, "xiaozhi.downlink.gw1");
        long before = System.currentTimeMillis();
        RecordMetadata sent;
        try (KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.VOICE)) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "session-1", AudioFrames.encode(packets));
            envelope.writeTo(record.headers());
            HeaderValues.putTiming(record.headers(), "eos", 1_700_000_000_123L);
            sent = producer.send(record).get();
        }
        List<ConsumerRecord<String, byte[]>> received = pollAtLeast(clients, topic, "group-" + topic, 1);
        assertThat(received).hasSize(1);
        ConsumerRecord<String, byte[]> record = received.get(0);
        assertThat(record.partition()).isEqualTo(sent.partition());
        assertThat(record.key()).isEqualTo("session-1");
        assertThat(Envelope.readFrom(record.headers())).isEqualTo(envelope);
        assertThat(HeaderValues.timings(record.headers())).containsExactly(Map.entry("eos", 1_700_000_000_123L));
        assertThat(AudioFrames.decode(record.value())).containsExactlyElementsOf(packets);
        assertThat(record.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(record.timestamp()).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }

    @Test
    void bulkProfileCompressesAndStillDeliversInOrderPerKey(KafkaTestBroker kafka) throws Exception {
        String topic = kafka.createTopic(2);
        KafkaClients clients = clients(kafka);
        try (KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.BULK)) {
            for (int i = 0; i < 100; i++) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "k" + (i % 4), Integer.toString(i).getBytes());
                HeaderValues.putLong(record.headers(), EnvelopeHeaders.SEQUENCE, i);
                producer.send(record);
            }
            producer.flush();
        }
        List<ConsumerRecord<String, byte[]>> received = pollAtLeast(clients, topic, "group-" + topic, 100);
        assertThat(received).hasSize(100);
        for (String key : List.of("k0", "k1", "k2", "k3")) {
            List<Long> sequence = received.stream().filter(r -> r.key().equals(key))
                    .map(r -> HeaderValues.requiredNumber(r.headers(), EnvelopeHeaders.SEQUENCE)).toList();
            assertThat(sequence).hasSize(25).isSorted();
        }
    }

    @Test
    void aCommittedGroupResumesAfterItsLastCommit(KafkaTestBroker kafka) throws Exception {
        String topic = kafka.createTopic(1);
        KafkaClients clients = clients(kafka);
        try (KafkaProducer<String, byte[]> producer = clients.producer(KafkaClients.ProducerProfile.VOICE)) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "s", new byte[] {(byte) i}));
            }
        }
        String group = "group-" + topic;
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(group)) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> first = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (first.size() < 4 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(first::add);
            }
            assertThat(first).hasSizeGreaterThanOrEqualTo(4);
            consumer.commitSync(Map.of(new org.apache.kafka.common.TopicPartition(topic, 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(4)));
        }
        List<ConsumerRecord<String, byte[]>> rest = pollAtLeast(clients, topic, group, 6);
        assertThat(rest).extracting(ConsumerRecord::offset).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
    }

    static List<ConsumerRecord<String, byte[]>> pollAtLeast(KafkaClients clients, String topic, String group, int count) {
        List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer(group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (received.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
            // one more short poll: nothing beyond what was sent may arrive
            consumer.poll(Duration.ofMillis(300)).forEach(received::add);
        }
        return received;
    }
}
