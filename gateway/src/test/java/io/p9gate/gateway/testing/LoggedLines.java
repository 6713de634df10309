package io.p9gate.gateway.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The messages logged under a logger name (and its children) while open: to count the lines a guest can cause. */
public final class LoggedLines implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Logger logger; // held: JUL keeps loggers only weakly
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            lines.add(r.getMessage());
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r.getMessage() + (r.getThrown() == null ? "" : ": " + r.getThrown()));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    public LoggedLines(String name) {
        logger = Logger.getLogger(name);
        logger.addHandler(handler);
    }

    /** The messages logged so far that start with {@code prefix}. */
    public List<String> startingWith(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).toList();
    }

    /** The WARNING and SEVERE messages logged so far, each with the exception it carried. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
