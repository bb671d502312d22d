package io.xiaozhi.pipeline.gateway.downlink;

/** The JSON texts of the pacer's messages (docs/protocol.md §3), rendered by the session that knows its id. */
public interface DownlinkMessages {

    /** {@code {"type":"tts","state":"start",...}} */
    String ttsStart();

    /** {@code {"type":"tts","state":"sentence_start","text":...,...}} */
    String sentenceStart(String text);

    /** {@code {"type":"tts","state":"stop",...}} */
    String ttsStop();
}
