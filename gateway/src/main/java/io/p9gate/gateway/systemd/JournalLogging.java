package io.p9gate.gateway.systemd;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logs the journal can file properly (issue 9 item 2): when stderr is the journal's stream, every line starts
 * with its syslog priority ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug) and
 * carries no timestamp of its own (the journal stamps each line). systemd says stderr is its stream by setting
 * {@code JOURNAL_STREAM=DEV:INODE} to the identity of that file descriptor; a process whose stderr was
 * redirected elsewhere inherits the variable but not the stream, so the identity is compared.
 */
public final class JournalLogging {
    static final int ERR = 3;
    static final int WARNING = 4;
    static final int INFO = 6;
    static final int DEBUG = 7;

    private JournalLogging() {}

    /** Whether this process's stderr is the journal stream systemd connected. */
    public static boolean stderrIsJournal(Map<String, String> env) {
        return isStream(env.get("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));
    }

    /** Whether {@code journalStream} ("DEV:INODE") names the file {@code fd} leads to. */
    static boolean isStream(String journalStream, Path fd) {
        if (journalStream == null) {
            return false;
        }
        String[] devIno = journalStream.split(":");
        if (devIno.length != 2) {
            return false;
        }
        try {
            long dev = Long.parseLong(devIno[0]);
            long ino = Long.parseLong(devIno[1]);
            Map<String, Object> attrs = Files.readAttributes(fd, "unix:dev,ino");
            return ((Long) attrs.get("dev")) == dev && ((Long) attrs.get("ino")) == ino;
        } catch (NumberFormatException | IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Puts {@link PriorityFormatter} on every handler of the root logger (the JDK's console handler on stderr). */
    public static void useForJavaLogging() {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            handler.setFormatter(new PriorityFormatter());
        }
    }

    /**
     * The command line's own stderr lines (one-line errors, warnings) with their priority: a line saying
     * {@code WARNING:} is a warning, every other one an error (stdout carries the informational lines).
     */
    public static PrintWriter prefixingStderr(Writer stderr) {
        return new PrintWriter(new LinePrefixer(stderr), true);
    }

    static int priority(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return ERR;
        }
        if (value >= Level.WARNING.intValue()) {
            return WARNING;
        }
        return value >= Level.CONFIG.intValue() ? INFO : DEBUG;
    }

    /** {@code <N>logger: message[: exception]}, one line per record. */
    static final class PriorityFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append('<')
                    .append(priority(record.getLevel()))
                    .append('>')
                    .append(record.getLoggerName())
                    .append(": ")
                    .append(formatMessage(record));
            if (record.getThrown() != null) {
                line.append(": ").append(record.getThrown());
            }
            return oneLine(line) + "\n";
        }
    }

    /** A journal entry ends at a newline: a message's own line breaks would start entries without priority. */
    private static String oneLine(CharSequence text) {
        return text.toString().replace("\r\n", " | ").replace('\n', ' ').replace('\r', ' ');
    }

    /** Prefixes every line written through it, once the line is complete. */
    private static final class LinePrefixer extends Writer {
        private final Writer out;
        private final StringBuilder line = new StringBuilder();

        LinePrefixer(Writer out) {
            this.out = out;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) throws IOException {
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    emitLine();
                } else {
                    line.append(chars[i]);
                }
            }
        }

        private void emitLine() throws IOException {
            String text = line.toString();
            line.setLength(0);
            boolean prefixed = text.length() > 2
                    && text.charAt(0) == '<'
                    && Character.isDigit(text.charAt(1))
                    && text.charAt(2) == '>';
            out.write(prefixed ? text : "<" + (text.contains("WARNING:") ? WARNING : ERR) + ">" + text);
            out.write('\n');
        }

        @Override
        public synchronized void flush() throws IOException {
            out.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            if (!line.isEmpty()) {
                emitLine();
            }
            flush();
        }
    }
}
