package io.p9gate.audit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the audit module logs (java.util.logging) from {@link #start} to {@link #stop}, for a test to look at. */
final class AuditLogLines {
    final Logger auditLoggers = Logger.getLogger("io.p9gate.audit");
    final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    void start() {
        auditLoggers.addHandler(capture);
    }

    void stop() {
        auditLoggers.removeHandler(capture);
    }

    /** The messages logged at {@code level}. */
    List<String> at(Level level) {
        return logged.stream()
                .filter(r -> r.getLevel() == level)
                .map(r -> r.getMessage() == null ? "" : r.getMessage())
                .toList();
    }
}
