package io.xiaozhi.pipeline.asr;

import edu.cmu.sphinx.util.SphinxLogFormatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sphinx4 logs through {@code java.util.logging}, to a console handler of its own that it adds to the
 * logger named after its configuration file ({@code default.config}) unless that logger already has a
 * handler with its formatter. {@link #install()} puts such a handler there first: it forwards
 * warnings and errors to SLF4J (logger {@code edu.cmu.sphinx.<component>}) and drops Sphinx4's INFO
 * chatter. The dictionary's report of language-model words it cannot pronounce (fifteen lines every
 * time a recognizer loads, always the same) goes to DEBUG.
 */
final class SphinxLogging {

    static final String LOGGER = "default.config";

    /** Held so that the configured logger is not collected and recreated without the handler. */
    private static final Logger SPHINX = Logger.getLogger(LOGGER);

    private SphinxLogging() {
    }

    static synchronized void install() {
        for (Handler handler : SPHINX.getHandlers()) {
            if (handler instanceof Forwarder) {
                return;
            }
        }
        for (Handler handler : SPHINX.getHandlers()) {
            SPHINX.removeHandler(handler);
        }
        SPHINX.addHandler(new Forwarder());
        SPHINX.setUseParentHandlers(false);
    }

    /** Forwards records of WARNING and above to SLF4J. */
    private static final class Forwarder extends Handler {

        Forwarder() {
            // Sphinx4 looks for its formatter to decide that the logger is configured already
            setFormatter(new SphinxLogFormatter());
            setLevel(Level.WARNING);
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String name = record.getLoggerName() == null ? "" : record.getLoggerName();
            String component = name.startsWith(LOGGER + ".") ? name.substring(LOGGER.length() + 1) : name;
            org.slf4j.Logger log = LoggerFactory.getLogger("edu.cmu.sphinx." + (component.isEmpty() ? "sphinx4" : component));
            String message = getFormatter().formatMessage(record);
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                log.error(message, record.getThrown());
            } else if (message.startsWith("The dictionary is missing a phonetic transcription")
                    || message.matches("Dictionary is missing \\d+ words.*")) {
                log.debug(message);
            } else {
                log.warn(message, record.getThrown());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
