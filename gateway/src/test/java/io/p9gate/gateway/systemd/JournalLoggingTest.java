package io.p9gate.gateway.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Journal-friendly logs (issue 9 item 2): a priority per line, no timestamp, only on the journal's stream. */
class JournalLoggingTest {
    @TempDir
    Path dir;

    private static String journalStreamOf(Path file) throws Exception {
        Map<String, Object> attrs = Files.readAttributes(file, "unix:dev,ino");
        return attrs.get("dev") + ":" + attrs.get("ino");
    }

    @Test
    void theStreamIsRecognisedByItsDeviceAndInodeOnly() throws Exception {
        Path stream = Files.createFile(dir.resolve("journal-stream"));
        Path other = Files.createFile(dir.resolve("redirected"));
        String env = journalStreamOf(stream);
        assertTrue(JournalLogging.isStream(env, stream));
        assertFalse(JournalLogging.isStream(env, other), "stderr redirected elsewhere: plain lines");
        assertFalse(JournalLogging.isStream(null, stream));
        assertFalse(JournalLogging.isStream("12", stream));
        assertFalse(JournalLogging.isStream("a:b", stream));
    }

    @Test
    void aRecordIsOneLineWithItsPriorityAndNoTimestamp() {
        var formatter = new JournalLogging.PriorityFormatter();
        LogRecord warning =
                new LogRecord(Level.WARNING, "policy reload refused, keeping sha256 ab: p.yaml:3:1: bad\nkey");
        warning.setLoggerName("io.p9gate.policy.PolicyHolder");
        assertEquals(
                "<4>io.p9gate.policy.PolicyHolder: policy reload refused, keeping sha256 ab: p.yaml:3:1: bad key\n",
                formatter.format(warning));
        LogRecord severe = new LogRecord(Level.SEVERE, "audit write failed");
        severe.setLoggerName("a");
        severe.setThrown(new java.io.IOException("No space left on device"));
        assertEquals(
                "<3>a: audit write failed: java.io.IOException: No space left on device\n", formatter.format(severe));
    }

    @Test
    void levelsMapToSyslogPriorities() {
        assertEquals(3, JournalLogging.priority(Level.SEVERE));
        assertEquals(4, JournalLogging.priority(Level.WARNING));
        assertEquals(6, JournalLogging.priority(Level.INFO));
        assertEquals(6, JournalLogging.priority(Level.CONFIG));
        assertEquals(7, JournalLogging.priority(Level.FINE));
    }

    @Test
    void theCommandLinesOwnStderrLinesAreErrorsOrWarnings() {
        StringWriter sink = new StringWriter();
        PrintWriter err = JournalLogging.prefixingStderr(sink);
        err.println("p9gate serve: cannot listen on unix:/run/p9gate/a.sock: Address already in use");
        err.print("p9gate: WARNING: no audit trail");
        err.println();
        err.println("<6>already prefixed");
        err.print("unfinished");
        err.close();
        assertEquals("""
                <3>p9gate serve: cannot listen on unix:/run/p9gate/a.sock: Address already in use
                <4>p9gate: WARNING: no audit trail
                <6>already prefixed
                <3>unfinished
                """, sink.toString());
    }
}
