package io.xiaozhi.pipeline.gateway.downlink;

import java.util.Objects;

/**
 * Paces one session's replies to its device (docs/protocol.md §3, §5). Pieces of the current turn go
 * through a {@link TurnAssembler}; what it releases is sent in order: {@code tts start} as soon as the
 * turn's first output is ready (nothing is sent before it), each sentence's {@code sentence_start} just
 * before its first packet, a pre-buffer of packets at once and then one packet a frame on a
 * {@link PacingSchedule} that does not drift, and {@code tts stop} once the device's queue has drained
 * ({@link PacingSettings#stopDelayMillis()} after the last packet's due time).
 *
 * <p>Packets that arrive after their due time are sent as they come; a packet sent more than
 * {@link PacingSettings#lateThresholdMillis()} late is counted in the turn's {@link TurnStats} and in
 * {@link DownlinkMetrics}. After the device ran dry the schedule restarts with a fresh pre-buffer, so a
 * late batch never bursts more than the pre-buffer.
 *
 * <p>The pacer holds no audio of its own: it takes one item at a time from the assembler when it is
 * due, so a session never holds more than the assembler's limit. Wake-ups run on the shared
 * {@link DownlinkScheduler}, each a few non-blocking sends under this session's own lock, so a slow
 * device never holds up another session. Thread-safe.
 */
public final class DownlinkPacer {

    private final DeviceSink sink;
    private final DownlinkMessages messages;
    private final DownlinkScheduler scheduler;
    private final PacingSettings settings;
    private final DownlinkMetrics metrics;

    private TurnAssembler turn;
    private TurnOutcome outcome = TurnOutcome.ACTIVE;
    private String endReason;
    private PacingSchedule schedule;
    private long stopAtMillis = -1;
    private long packetsSent;
    private long latePackets;
    private long maxLatenessMillis;
    private DownlinkScheduler.Cancellable wake;
    private long wakeAtMillis;
    private long wakeGeneration;

    public DownlinkPacer(DeviceSink sink, DownlinkMessages messages, DownlinkScheduler scheduler,
                         PacingSettings settings, DownlinkMetrics metrics) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.messages = Objects.requireNonNull(messages, "messages");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Makes {@code turnId} the current turn; pieces of any other turn are dropped from now on. A turn
     * still active is ended as aborted, with {@code tts stop} if it had started speaking. Calling it
     * again with the current turn changes nothing.
     */
    public synchronized void beginTurn(String turnId) {
        Objects.requireNonNull(turnId, "turnId");
        if (turn != null && turn.turnId().equals(turnId)) {
            return;
        }
        if (turn != null && outcome == TurnOutcome.ACTIVE) {
            end(TurnOutcome.ABORTED, "replaced by turn " + turnId, schedule != null);
        }
        turn = new TurnAssembler(turnId, settings.maxBufferedPackets(), settings.maxPendingSentences());
        outcome = TurnOutcome.ACTIVE;
        endReason = null;
        schedule = null;
        stopAtMillis = -1;
        packetsSent = 0;
        latePackets = 0;
        maxLatenessMillis = 0;
    }

    /**
     * Takes one piece of turn {@code turnId}. Pieces of a turn that is not the current one, or of a
     * current turn that has ended, are dropped. A piece over the buffer limit fails the turn: its audio
     * is dropped and {@code tts stop} is sent if it had started speaking.
     */
    public synchronized Acceptance accept(String turnId, TurnPiece piece) {
        Acceptance acceptance = turn != null && turn.turnId().equals(turnId) ? turn.accept(piece) : Acceptance.DROPPED;
        if (acceptance != Acceptance.ACCEPTED) {
            metrics.pieceDropped(acceptance);
        }
        if (acceptance == Acceptance.TURN_FAILED) {
            end(TurnOutcome.FAILED, turn.failureReason(), schedule != null);
        } else if (acceptance == Acceptance.ACCEPTED) {
            pump();
        }
        return acceptance;
    }

    /**
     * Stops the current turn at once (the device asked to): drops its pending audio, sends
     * {@code tts stop} now, and drops its later pieces. Returns {@code false}, sending nothing, when no
     * turn is active.
     */
    public synchronized boolean abort() {
        if (turn == null || outcome != TurnOutcome.ACTIVE) {
            return false;
        }
        end(TurnOutcome.ABORTED, "aborted", true);
        return true;
    }

    /** Figures of the current turn, or of the last one if it has ended; {@code null} before any turn. */
    public synchronized TurnStats turnStats() {
        if (turn == null) {
            return null;
        }
        return new TurnStats(turn.turnId(), outcome, packetsSent, latePackets, maxLatenessMillis, endReason);
    }

    /** Audio packets the current turn holds, not yet sent. */
    public synchronized int bufferedPackets() {
        return turn == null ? 0 : turn.bufferedPackets();
    }

    /** Sends everything that is due and arranges to be woken when the next thing will be. */
    private void pump() {
        if (outcome != TurnOutcome.ACTIVE) {
            return;
        }
        long now = scheduler.nowMillis();
        try {
            while (true) {
                if (stopAtMillis >= 0) {
                    if (now >= stopAtMillis) {
                        sink.sendJson(messages.ttsStop());
                        end(TurnOutcome.COMPLETED, null, false);
                    } else {
                        wakeAt(stopAtMillis);
                    }
                    return;
                }
                DownlinkItem item = turn.peek();
                if (item == null) {
                    return;
                }
                if (schedule == null) {
                    sink.sendJson(messages.ttsStart());
                    schedule = new PacingSchedule(now, settings.frameMillis(), settings.prebufferPackets());
                }
                if (item instanceof DownlinkItem.TurnEnd) {
                    turn.poll();
                    stopAtMillis = schedule.nextIndex() == 0 ? now : schedule.lastDueMillis() + settings.stopDelayMillis();
                    continue;
                }
                long due = schedule.nextDueMillis();
                if (now < due) {
                    wakeAt(due);
                    return;
                }
                turn.poll();
                if (item instanceof DownlinkItem.SentenceStart start) {
                    sink.sendJson(messages.sentenceStart(start.text()));
                } else if (item instanceof DownlinkItem.AudioPacket packet) {
                    sendPacket(packet, now);
                }
            }
        } catch (RuntimeException sinkFailure) {
            end(TurnOutcome.FAILED, "device sink failed: " + sinkFailure, false);
        }
    }

    private void sendPacket(DownlinkItem.AudioPacket packet, long now) {
        long lateness = schedule.recordSent(now);
        boolean late = lateness > settings.lateThresholdMillis();
        packetsSent++;
        if (late) {
            latePackets++;
        }
        maxLatenessMillis = Math.max(maxLatenessMillis, lateness);
        metrics.packetSent(late);
        sink.sendAudio(packet.packet());
    }

    private void wakeAt(long atMillis) {
        if (wake != null && wakeAtMillis <= atMillis) {
            return;
        }
        cancelWake();
        long generation = ++wakeGeneration;
        wakeAtMillis = atMillis;
        wake = scheduler.schedule(atMillis, () -> onWake(generation));
    }

    private synchronized void onWake(long generation) {
        if (generation == wakeGeneration) {
            wake = null;
        }
        pump();
    }

    private void cancelWake() {
        if (wake != null) {
            wake.cancel();
            wake = null;
        }
    }

    private void end(TurnOutcome how, String reason, boolean sendStop) {
        if (how != TurnOutcome.COMPLETED) {
            turn.abort();
        }
        cancelWake();
        outcome = how;
        endReason = reason;
        metrics.turnEnded(how);
        if (sendStop) {
            try {
                sink.sendJson(messages.ttsStop());
            } catch (RuntimeException sinkFailure) {
                endReason = reason + "; tts stop not sent: " + sinkFailure;
            }
        }
    }
}
