package io.xiaozhi.pipeline.monitor.alerts;

import io.micrometer.core.instrument.Counter;
import io.xiaozhi.pipeline.common.config.PerformanceConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns rule readings ({@link Observation}s, keyed by alert id) into alert events, with the state of
 * every id in {@value #STATE_STORE} and every event of the history in {@value #EVENTS_STORE}.
 *
 * <p><b>Readings drive alerts, on their own time.</b> A reading over the threshold fires an inactive id
 * (event {@code firing}, repeat 0); a worker's response time, the fallback for a pipeline without a
 * gateway, needs two windows in a row over it and no gateway turn latency read within three windows,
 * so a gateway whose first window is read a moment after the worker's still takes precedence. While active, a reading that is not clear repeats the event
 * (repeat + 1, with the current value) once {@code alert_repeat_minutes} have passed since the last
 * event; the time is the readings' own ({@code at}: window end, lag sample time), so replays and tests
 * behave as live data does. A metric rule resolves after {@code resolve_windows} consecutive clear
 * windows (at or below 90 % of the threshold); a lag rule, sampled every few seconds, after it has
 * been clear for as long ({@code resolve_windows × window_seconds}). A reading between 90 % and 100 %
 * neither fires nor counts towards resolution. Readings older than the newest one of their id are
 * ignored, and so are readings older than the catch-up bound (three windows or publishing intervals,
 * at least a minute) behind the wall clock, counted in {@code xiaozhi.monitor.alerts.late}: a monitor
 * that starts on a day of retained snapshots builds its history without alerting on the past.
 *
 * <p><b>The wall clock covers silence.</b> A punctuation every {@code min(window_seconds, 10 s)} of
 * wall-clock time repeats an active alert whose subject has sent no reading for three windows or
 * intervals ("no data since …"), at the same repeat interval, and resolves it after the history
 * length without data (nothing is left to judge it by); it also drops the state of ids silent that long
 * and events older than the history. Wall-clock time is right here because silence is exactly when
 * no reading arrives to move stream time.
 */
public final class AlertProcessor implements Processor<String, Observation, String, Alert> {

    public static final String STATE_STORE = "monitor-alert-state";
    public static final String EVENTS_STORE = "monitor-alert-events";

    private final long windowMs;
    private final long repeatMs;
    private final int resolveWindows;
    private final long silenceMs;
    private final long lateMs;
    private final long historyMs;
    private final long gatewayPresenceMs;
    private final Counter late;
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, AlertState> states;
    private KeyValueStore<String, Alert> events;

    public AlertProcessor(PerformanceConfig.Monitoring monitor, Counter late) {
        this.windowMs = monitor.windowSeconds() * 1000L;
        this.repeatMs = monitor.alertRepeatMinutes() * 60_000L;
        this.resolveWindows = monitor.resolveWindows();
        long beat = Math.max(windowMs, Math.max(monitor.interval(), monitor.lagInterval()) * 1000L);
        this.silenceMs = 3 * beat;
        this.lateMs = Math.max(60_000L, 3 * beat);
        this.historyMs = monitor.historyHours() * 3_600_000L;
        this.gatewayPresenceMs = 3 * Math.max(windowMs, monitor.interval() * 1000L);
        this.late = late;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.states = context.getStateStore(STATE_STORE);
        this.events = context.getStateStore(EVENTS_STORE);
        context.schedule(Duration.ofMillis(Math.min(windowMs, 10_000L)), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, Observation> record) {
        Observation reading = record.value();
        if (reading == null) {
            return;
        }
        if (reading.at() < context.currentSystemTimeMs() - lateMs) {
            late.increment();
            return;
        }
        AlertState state = states.get(reading.id());
        if (state != null && reading.at() <= state.lastObservedAt()) {
            return;
        }
        String message = reading.condition() == Observation.Condition.CLEAR && state != null ? state.message() : reading.message();
        if (state == null || !state.active()) {
            int over = reading.condition() == Observation.Condition.OVER ? (state == null ? 0 : state.overCount()) + 1 : 0;
            boolean fires = over > 0 && (!reading.fallback() || over >= 2 && !gatewayReports(reading.at()));
            if (fires) {
                Alert alert = event(reading, Alert.FIRING, reading.severity(), reading.message(), reading.at(), reading.at(), 0);
                states.put(reading.id(), new AlertState(reading.id(), true, reading.at(), reading.at(), 0, reading.at(), 0, null, 0,
                        reading.message(), reading.fallback(), alert));
            } else {
                states.put(reading.id(), new AlertState(reading.id(), false, 0, state == null ? 0 : state.lastEventAt(), 0,
                        reading.at(), 0, null, over, message, reading.fallback(), state == null ? null : state.lastAlert()));
            }
            return;
        }
        if (reading.condition() == Observation.Condition.CLEAR) {
            int clear = state.clearCount() + 1;
            long clearSince = state.clearSince() != null ? state.clearSince() : reading.at();
            boolean resolved = reading.rule().lag()
                    ? reading.at() - clearSince >= resolveWindows * windowMs
                    : clear >= resolveWindows;
            if (resolved) {
                Alert alert = event(reading, Alert.RESOLVED, state.lastAlert().severity(), reading.message(), state.since(), reading.at(),
                        state.repeat());
                states.put(reading.id(), new AlertState(reading.id(), false, 0, reading.at(), 0, reading.at(), 0, null, 0, message,
                        reading.fallback(), alert));
            } else {
                states.put(reading.id(), new AlertState(reading.id(), true, state.since(), state.lastEventAt(), state.repeat(),
                        reading.at(), clear, clearSince, 0, state.message(), reading.fallback(), state.lastAlert()));
            }
            return;
        }
        if (reading.at() - state.lastEventAt() >= repeatMs) {
            int repeat = state.repeat() + 1;
            Alert alert = event(reading, Alert.FIRING, reading.severity(), reading.message(), state.since(), reading.at(), repeat);
            states.put(reading.id(), new AlertState(reading.id(), true, state.since(), reading.at(), repeat, reading.at(), 0, null, 0,
                    reading.message(), reading.fallback(), alert));
        } else {
            states.put(reading.id(), new AlertState(reading.id(), true, state.since(), state.lastEventAt(), state.repeat(), reading.at(),
                    0, null, 0, reading.message(), reading.fallback(), state.lastAlert()));
        }
    }

    /** Whether a gateway's turn latency was read recently (then workers' response times do not raise alerts). */
    private boolean gatewayReports(long at) {
        String prefix = AlertRule.RESPONSE_TIME.id() + "/";
        try (KeyValueIterator<String, AlertState> all = states.range(prefix, prefix + Character.MAX_VALUE)) {
            while (all.hasNext()) {
                AlertState state = all.next().value;
                if (state != null && !state.fallback() && at - state.lastObservedAt() <= gatewayPresenceMs) {
                    return true;
                }
            }
        }
        return false;
    }

    private Alert event(Observation reading, String state, String severity, String message, long since, long timestamp, int repeat) {
        Alert alert = new Alert(reading.id(), reading.rule().id(), reading.subject(), severity, state, reading.value(),
                reading.threshold(), message, since, timestamp, repeat);
        emit(alert);
        return alert;
    }

    private void emit(Alert alert) {
        events.put(eventKey(alert), alert);
        context.forward(new Record<>(alert.id(), alert, alert.timestamp()));
    }

    /** Events sort by time: {@code <13-digit ms>|<id>|<state>|<repeat>}. */
    static String eventKey(Alert alert) {
        return String.format(Locale.ROOT, "%013d|%s|%s|%d", alert.timestamp(), alert.id(), alert.state(), alert.repeat());
    }

    private void punctuate(long now) {
        List<KeyValue<String, AlertState>> updates = new ArrayList<>();
        List<String> forget = new ArrayList<>();
        try (KeyValueIterator<String, AlertState> all = states.all()) {
            while (all.hasNext()) {
                KeyValue<String, AlertState> entry = all.next();
                AlertState state = entry.value;
                if (state == null) {
                    continue;
                }
                long silent = now - state.lastObservedAt();
                if (!state.active()) {
                    if (silent > historyMs) {
                        forget.add(entry.key);
                    }
                    continue;
                }
                Alert last = state.lastAlert();
                if (silent > historyMs) {
                    Alert resolved = new Alert(last.id(), last.rule(), last.subject(), last.severity(), Alert.RESOLVED, last.value(),
                            last.threshold(), state.message() + " (no data for " + silent / 3_600_000L + " h: closed)", state.since(), now,
                            state.repeat());
                    emit(resolved);
                    updates.add(KeyValue.pair(entry.key, new AlertState(state.id(), false, 0, now, 0, state.lastObservedAt(), 0, null, 0,
                            state.message(), state.fallback(), resolved)));
                } else if (silent > silenceMs && now - state.lastEventAt() >= repeatMs) {
                    int repeat = state.repeat() + 1;
                    Alert repeated = new Alert(last.id(), last.rule(), last.subject(), last.severity(), Alert.FIRING, last.value(),
                            last.threshold(), state.message() + " (no data since " + Instant.ofEpochMilli(state.lastObservedAt()) + ")",
                            state.since(), now, repeat);
                    emit(repeated);
                    updates.add(KeyValue.pair(entry.key, new AlertState(state.id(), true, state.since(), now, repeat,
                            state.lastObservedAt(), state.clearCount(), state.clearSince(), 0, state.message(), state.fallback(), repeated)));
                }
            }
        }
        updates.forEach(u -> states.put(u.key, u.value));
        forget.forEach(states::delete);
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, Alert> expired = events.range("", String.format(Locale.ROOT, "%013d", Math.max(0, now - historyMs)))) {
            while (expired.hasNext()) {
                old.add(expired.next().key);
            }
        }
        old.forEach(events::delete);
    }
}
