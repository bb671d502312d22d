package io.xiaozhi.pipeline.tts;

import static org.assertj.core.api.Assertions.assertThat;

import io.xiaozhi.pipeline.common.audio.DecodeResult;
import io.xiaozhi.pipeline.common.audio.OpusDecoding;
import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/** One downlink record as the gateway reads it ({@code DownlinkRecord}), from a producer or a consumer record. */
record Downlink(String type, String session, String turn, long seq, long chunk, boolean last, boolean fin, byte[] payload, Headers headers) {

    static Downlink of(ProducerRecord<String, byte[]> record) {
        return of(record.headers(), record.value());
    }

    static Downlink of(ConsumerRecord<String, byte[]> record) {
        return of(record.headers(), record.value());
    }

    private static Downlink of(Headers headers, byte[] payload) {
        return new Downlink(
                HeaderValues.requiredText(headers, EnvelopeHeaders.TYPE),
                HeaderValues.requiredText(headers, EnvelopeHeaders.SESSION),
                HeaderValues.requiredText(headers, EnvelopeHeaders.TURN),
                HeaderValues.number(headers, EnvelopeHeaders.SEQUENCE).orElse(-1),
                HeaderValues.number(headers, EnvelopeHeaders.CHUNK).orElse(-1),
                HeaderValues.flag(headers, EnvelopeHeaders.LAST),
                HeaderValues.flag(headers, EnvelopeHeaders.FINAL),
                payload == null ? new byte[0] : payload,
                headers);
    }

    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    List<byte[]> packets() {
        return AudioFrames.decode(payload);
    }

    /**
     * Checks the shape of one spoken sentence: {@code tts.sentence} first, then {@code tts.audio} chunks
     * 0..n in order with {@code xz.final} on the last only, all of sentence {@code seq}; returns the packets.
     */
    static List<byte[]> spokenSentence(List<Downlink> records, long seq) {
        assertThat(records).isNotEmpty();
        assertThat(records).allSatisfy(r -> assertThat(r.seq()).isEqualTo(seq));
        assertThat(records.get(0).type()).isEqualTo(MessageTypes.SENTENCE);
        List<Downlink> audio = records.subList(1, records.size());
        assertThat(audio).isNotEmpty().allSatisfy(r -> assertThat(r.type()).isEqualTo(MessageTypes.AUDIO));
        List<byte[]> packets = new ArrayList<>();
        for (int i = 0; i < audio.size(); i++) {
            assertThat(audio.get(i).chunk()).as("chunk numbers").isEqualTo(i);
            assertThat(audio.get(i).fin()).as("final flag of chunk " + i).isEqualTo(i == audio.size() - 1);
            packets.addAll(audio.get(i).packets());
        }
        return packets;
    }

    /**
     * Decodes packets at 48 kHz (Concentus decodes 24 kHz CELT/hybrid packets far too quietly), checking
     * each is one 60 ms packet.
     */
    static short[] decode(List<byte[]> packets) {
        OpusDecoding decoder = new OpusDecoding(48_000);
        short[] pcm = new short[packets.size() * 2880];
        int at = 0;
        for (byte[] packet : packets) {
            DecodeResult result = decoder.decode(packet);
            assertThat(result).isInstanceOf(DecodeResult.Samples.class);
            short[] samples = ((DecodeResult.Samples) result).samples();
            assertThat(samples).as("a 60 ms packet at 48 kHz").hasSize(2880);
            System.arraycopy(samples, 0, pcm, at, samples.length);
            at += samples.length;
        }
        return pcm;
    }

    /** Root mean square level in dB relative to full scale. */
    static double rmsDbfs(short[] pcm) {
        double sum = 0;
        for (short s : pcm) {
            sum += (double) s * s;
        }
        double rms = Math.sqrt(sum / Math.max(1, pcm.length));
        return 20 * Math.log10(Math.max(rms, 1e-9) / 32768.0);
    }
}
