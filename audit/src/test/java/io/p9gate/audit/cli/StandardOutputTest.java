package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command whose standard output cannot be written ({@code p9gate audit export ... > file} on a full disk, or
 * {@code >/dev/full}) lost its output: it must say so and fail, not exit 0. A reader that went away ({@code | head
 * -1}) is no failure: {@link ClosedOutputTest}.
 */
class StandardOutputTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String err) {}

    private Run into(OutputStream stdout, String... args) {
        StringWriter err = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setErr(new PrintWriter(err, true));
        int exit = StandardOutput.execute(cl, stdout, args);
        return new Run(exit, err.toString());
    }

    private String[] exportOf(Path log) throws IOException {
        Files.createDirectories(log);
        Files.writeString(
                log.resolve("segment-00000000000000000001.jsonl"),
                "{\"seq\":1,\"time\":\"2026-11-25T11:56:21.019779Z\",\"type\":\"decision\",\"vm\":\"a\",\"session\":3,"
                        + "\"op\":\"walk\",\"path\":\"/x\",\"decision\":\"allow\",\"rules\":[\"r\"],\"errno\":0}\n");
        return new String[] {"export", "--log", log.toString(), "--format", "jsonl"};
    }

    @Test
    void aFullDiskFailsTheCommandWithOneLine() throws IOException {
        Run r = into(new Failing("No space left on device"), exportOf(tmp.resolve("log")));
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(
                r.err().startsWith("p9gate audit export: error: cannot write standard output: No space left on device"),
                r.err());
    }

    @Test
    void aClosedPipeIsNoFailure() throws IOException {
        Run r = into(new Failing("Broken pipe"), exportOf(tmp.resolve("log")));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
    }

    /** Standard output on a device that refuses every write. */
    private static final class Failing extends OutputStream {
        private final String reason;

        Failing(String reason) {
            this.reason = reason;
        }

        @Override
        public void write(int b) throws IOException {
            throw new IOException(reason);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException(reason);
        }
    }
}
