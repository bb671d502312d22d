package io.xiaozhi.pipeline.gateway.pipeline;

import io.xiaozhi.pipeline.common.envelope.AudioFrames;
import io.xiaozhi.pipeline.common.envelope.Envelope;
import io.xiaozhi.pipeline.common.envelope.EnvelopeHeaders;
import io.xiaozhi.pipeline.common.envelope.HeaderValues;
import io.xiaozhi.pipeline.common.envelope.MessageTypes;
import io.xiaozhi.pipeline.common.runtime.ControlMessages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Puts a device's turns into the pipeline: an utterance's Opus packets to the ASR stage, text said
 * with a wake word straight to the LLM stage, and cancellations to the control topic. Every request
 * carries the envelope (session, device, turn, deadline = end of speech + {@code server.turn_timeout},
 * reply-to = this gateway's downlink topic) and the end-of-speech time; records are keyed by session.
 */
public final class UtterancePublisher {

    private final Producer<String, byte[]> producer;
    private final PipelineTopics topics;
    private final Duration turnTimeout;

    public UtterancePublisher(Producer<String, byte[]> producer, PipelineTopics topics, Duration turnTimeout) {
        this.producer = producer;
        this.topics = topics;
        this.turnTimeout = turnTimeout;
    }

    public CompletableFuture<RecordMetadata> utterance(Turn turn, List<byte[]> opusPackets, long endOfSpeechEpochMs) {
        return send(request(topics.asrRequests(), turn, AudioFrames.encode(opusPackets), endOfSpeechEpochMs));
    }

    /** Text the device sent (a wake word, a typed message): no transcription, so no provider time yet. */
    public CompletableFuture<RecordMetadata> text(Turn turn, String text, long endOfSpeechEpochMs) {
        ProducerRecord<String, byte[]> record = request(topics.llmRequests(), turn, text.getBytes(StandardCharsets.UTF_8), endOfSpeechEpochMs);
        HeaderValues.putProviderMillis(record.headers(), 0);
        return send(record);
    }

    /** A device tool's answer, continuing {@code turn} at the LLM stage ({@code xz.type = mcp.result}). */
    public CompletableFuture<RecordMetadata> toolResult(Turn turn, String resultJson, long nowEpochMs) {
        ProducerRecord<String, byte[]> record = request(topics.llmRequests(), turn, resultJson.getBytes(StandardCharsets.UTF_8), nowEpochMs);
        HeaderValues.putText(record.headers(), EnvelopeHeaders.TYPE, MessageTypes.TOOL_RESULT);
        return send(record);
    }

    public CompletableFuture<RecordMetadata> cancel(Turn turn) {
        return send(ControlMessages.cancelTurn(topics.control(), turn.sessionId(), turn.turnId()));
    }

    private ProducerRecord<String, byte[]> request(String topic, Turn turn, byte[] payload, long endOfSpeech) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, turn.sessionId(), payload);
        new Envelope(turn.sessionId(), turn.deviceId(), turn.turnId(), endOfSpeech + turnTimeout.toMillis(), topics.downlink())
                .writeTo(record.headers());
        HeaderValues.putLong(record.headers(), EnvelopeHeaders.END_OF_SPEECH, endOfSpeech);
        return record;
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    sent.complete(metadata);
                } else {
                    sent.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            sent.completeExceptionally(e);
        }
        return sent;
    }
}
