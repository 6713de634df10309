package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.ReloadOutcomeFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate policy reload --pid-file FILE} with a FILE that is no pid file. Before, a directory answered
 * "error: Is a directory", naming no file, and a FIFO (a path typed wrong into /run) held the command for ever.
 */
class ReloadPidFileArgumentTest {
    @TempDir
    Path dir;

    private void assertOneLineNaming(Path pidFile, String why) {
        assertOneLine(pidFile, "pid file " + pidFile + " ", why);
    }

    /** No regular file: {@code FILE: REASON (not a pid file)}, as every command says it. */
    private void assertNoRegularFile(Path pidFile, String why) {
        assertOneLine(pidFile, pidFile + ": " + why + " (not a pid file)", why);
    }

    private void assertOneLine(Path pidFile, String start, String why) {
        CliRun run = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
        // Bad input, 2 as in every command (docs/cli.md): it was 1, which says the new policy was refused.
        assertEquals(Main.EXIT_USAGE, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        assertTrue(run.err().startsWith("p9gate policy reload: error: " + start), run.err());
        assertTrue(run.err().contains(why), run.err());
    }

    @Test
    void aDirectoryIsNamedAsNoPidFile() throws Exception {
        assertNoRegularFile(Files.createDirectory(dir.resolve("p9gate.pid")), "is a directory");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = dir.resolve("p9gate.pid");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertNoRegularFile(fifo, "is a FIFO, socket or device");
    }

    /**
     * The command reads {@code FILE.reload} beside the pid file before it signals and while it waits: a FIFO there
     * (planted, or left by a tool) held it in open(2) for ever, past its {@code --timeout}, as the pid file did.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoAsTheReloadOutcomeFileIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = ReloadOutcomeFile.beside(dir.resolve("p9gate.pid"));
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException e = assertThrows(IOException.class, () -> ReloadOutcomeFile.read(fifo));
        assertEquals(fifo + ": is a FIFO, socket or device (not a reload outcome file)", e.getMessage());
    }

    @Test
    void aHugeOrNegativeNumberIsNoProcessId() throws Exception {
        assertOneLineNaming(
                Files.writeString(dir.resolve("huge.pid"), "99999999999999999999\n"), "does not hold a process id");
        assertOneLineNaming(Files.writeString(dir.resolve("negative.pid"), "-1\n"), "does not hold a process id");
        assertOneLineNaming(Files.writeString(dir.resolve("empty.pid"), ""), "does not hold a process id");
    }
}
