package io.xiaozhi.pipeline.common.kafka;

/** The kinds of topic the pipeline uses; partition counts are configured per kind ({@code kafka.partitions}). */
public enum TopicKind {
    /** A stage's work queue; lag here is the stage's queue. */
    REQUESTS,
    /** One gateway's replies: stt, emotion, audio, errors. */
    DOWNLINK,
    /** Turn cancellations, read by every worker. */
    CONTROL,
    /** Metric snapshots of every service. */
    METRICS,
    /** Alerts derived by the monitor. */
    ALERTS,
    /** The monitor's compacted lag feed, read by gateways for admission. */
    LAG,
    /** Requests a stage gave up on, with the error. */
    DLQ
}
