package io.xiaozhi.pipeline.llm.conversation;

import io.xiaozhi.pipeline.llm.LlmMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the durable chat history ({@code chat_history}) off the turn's path: turns hand rows to a
 * bounded queue and go on; one thread writes them in JDBC batches, a batch once it holds
 * {@code batchSize} rows or its first row has waited {@code flushInterval}.
 *
 * <p>Nothing here fails a turn: a full queue drops the row ({@code xiaozhi.llm.history.dropped}), a
 * failed batch is logged and its rows counted in {@code xiaozhi.llm.history.failures{op=write}} and
 * not retried. {@link #close()} writes what is queued before it returns. Text longer than the columns
 * take is cut.
 */
public final class ChatHistoryWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChatHistoryWriter.class);
    private static final String INSERT = "INSERT INTO chat_history (device_id, session_id, turn_id, role, content, asr_ms, "
            + "llm_first_token_ms, llm_ms, tts_first_audio_ms, total_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)";
    /** Width of the id columns. */
    static final int MAX_ID = 64;
    /** Characters of content kept (TEXT holds 65,535 bytes; Chinese takes three each in UTF-8). */
    static final int MAX_CONTENT = 20_000;
    private static final long IDLE_CHECK_MS = 100;

    private final Supplier<DataSource> database;
    private final LlmMetrics metrics;
    private final int batchSize;
    private final long flushMillis;
    private final BlockingQueue<HistoryRow> queue;
    private final ReentrantLock writing = new ReentrantLock();
    private final Thread thread;
    private volatile boolean closed;

    public ChatHistoryWriter(Supplier<DataSource> database, LlmMetrics metrics, int capacity, int batchSize, Duration flushInterval) {
        this.database = database;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.flushMillis = flushInterval.toMillis();
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, "llm-history-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues {@code rows} for writing; those that do not fit are dropped and counted. */
    public void add(List<HistoryRow> rows) {
        for (HistoryRow row : rows) {
            if (closed || !queue.offer(row)) {
                metrics.historyDropped();
                LOG.debug("chat history row of turn {} dropped: the queue is full or closed", row.turnId());
            }
        }
    }

    /** Writes everything queued so far, on the caller's thread. */
    public void flush() {
        List<HistoryRow> batch = new ArrayList<>();
        while (queue.drainTo(batch, batchSize) > 0) {
            write(batch);
            batch.clear();
        }
    }

    private void run() {
        List<HistoryRow> batch = new ArrayList<>(batchSize);
        while (!closed) {
            try {
                HistoryRow first = queue.poll(IDLE_CHECK_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(flushMillis);
                while (batch.size() < batchSize && !closed) {
                    long wait = Math.min(until - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(IDLE_CHECK_MS));
                    if (wait <= 0) {
                        break;
                    }
                    HistoryRow next = queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (next != null) {
                        batch.add(next);
                        queue.drainTo(batch, batchSize - batch.size());
                    }
                }
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!batch.isEmpty()) {
            write(batch);
        }
    }

    private void write(List<HistoryRow> rows) {
        writing.lock();
        try (Connection connection = database.get().getConnection();
                PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (HistoryRow row : rows) {
                insert.setString(1, cut(row.deviceId(), MAX_ID));
                insert.setString(2, cut(row.sessionId(), MAX_ID));
                insert.setString(3, cut(row.turnId(), MAX_ID));
                insert.setString(4, row.role());
                insert.setString(5, cut(row.content(), MAX_CONTENT));
                setMillis(insert, 6, row.asrMs());
                setMillis(insert, 7, row.llmFirstTokenMs());
                setMillis(insert, 8, row.llmMs());
                setMillis(insert, 9, row.totalMs());
                insert.addBatch();
            }
            insert.executeBatch();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            metrics.historyWritten(rows.size());
        } catch (SQLException | RuntimeException e) {
            LOG.warn("{} chat history row(s) not written: {}", rows.size(), e.toString());
            metrics.historyFailure("write", rows.size());
        } finally {
            writing.unlock();
        }
    }

    private static void setMillis(PreparedStatement statement, int index, Integer millis) throws SQLException {
        if (millis == null) {
            statement.setNull(index, Types.INTEGER);
        } else {
            statement.setInt(index, millis);
        }
    }

    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        return text.substring(0, Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max);
    }

    /** Stops taking rows and writes what is queued (waiting up to 10 s for the writer thread). */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flush();
    }
}
