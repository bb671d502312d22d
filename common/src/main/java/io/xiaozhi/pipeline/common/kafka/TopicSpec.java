package io.xiaozhi.pipeline.common.kafka;

import java.util.Map;
import java.util.TreeMap;

/** A topic as this project wants it: name, size, replication and topic-level configs. */
public record TopicSpec(String name, TopicKind kind, int partitions, short replicationFactor, Map<String, String> configs) {

    public TopicSpec {
        if (partitions < 1) {
            throw new IllegalArgumentException(name + ": partitions must be at least 1");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException(name + ": replication factor must be at least 1");
        }
        configs = Map.copyOf(new TreeMap<>(configs));
    }
}
