package io.xiaozhi.pipeline.monitor.metrics;

import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Receives each closed window's aggregate, makes its {@link WindowStats}, keeps them in the history
 * ({@value MetricsTopology#HISTORY_STORE}, a window store with the history's retention) and as the
 * latest of their key ({@value MetricsTopology#LATEST_STORE}), and forwards them keyed
 * {@code service[/stage]} with the window's end as timestamp. A key whose latest window ended longer
 * ago than the history (a service that is gone) is dropped from the latest store, checked every ten
 * minutes of wall-clock time.
 */
final class WindowRecorder implements Processor<Windowed<String>, WindowAccumulator, String, WindowStats> {

    private final PerformanceConfig.AiProviders limits;
    private final long historyMs;
    private ProcessorContext<String, WindowStats> context;
    private WindowStore<String, WindowStats> history;
    private KeyValueStore<String, WindowStats> latest;

    WindowRecorder(PerformanceConfig.AiProviders limits, long historyMs) {
        this.limits = limits;
        this.historyMs = historyMs;
    }

    @Override
    public void init(ProcessorContext<String, WindowStats> context) {
        this.context = context;
        this.history = context.getStateStore(MetricsTopology.HISTORY_STORE);
        this.latest = context.getStateStore(MetricsTopology.LATEST_STORE);
        context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetGone);
    }

    private void forgetGone(long now) {
        List<String> gone = new ArrayList<>();
        try (KeyValueIterator<String, WindowStats> all = latest.all()) {
            all.forEachRemaining(entry -> {
                if (entry.value == null || now - entry.value.end() > historyMs) {
                    gone.add(entry.key);
                }
            });
        }
        gone.forEach(latest::delete);
    }

    @Override
    public void process(Record<Windowed<String>, WindowAccumulator> record) {
        if (record.value() == null || record.value().instances().isEmpty()) {
            return;
        }
        long start = record.key().window().start();
        long end = record.key().window().end();
        WindowStats stats = WindowStats.of(start, end, record.value(), limits);
        String key = record.key().key();
        history.put(key, stats, start);
        WindowStats previous = latest.get(key);
        if (previous == null || previous.start() <= start) {
            latest.put(key, stats);
        }
        context.forward(new Record<>(key, stats, end));
    }
}
