package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output file ({@code export --output}, {@code report --html}, {@code verify --save-pin}) named by a FIFO, a
 * socket or a device is refused, and the node stays: the file is written under a temporary name and renamed onto
 * its name, so before, {@code audit export -o /dev/null} run as root replaced the host's {@code /dev/null} (and
 * {@code /dev/full}) with a regular file holding the export, exit 0.
 */
class OutputOntoSpecialFileTest {
    @TempDir
    static Path tmp;

    static ReviewedLog reviewed;

    @BeforeAll
    static void writeLog() throws Exception {
        reviewed = ReviewedLog.withDecisions(tmp, 20);
    }

    /** Runs {@code command} with {@code option} naming a new FIFO: refused, one line, and the FIFO is still one. */
    private static void assertRefusedOntoAFifo(String option, String... command) throws Exception {
        Path fifo = tmp.resolve(command[0] + ".fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--log", reviewed.log().toString(), option, fifo.toString()));
        CliRun r = CliRun.audit(args.toArray(String[]::new));
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains(fifo + ": is a FIFO, socket or device (" + option), r.err());
        assertTrue(
                Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isOther(),
                fifo + " was replaced");
    }

    @Test
    void exportOntoAFifoIsRefusedAndTheFifoStays() throws Exception {
        assertRefusedOntoAFifo("--output", "export", "--format", "jsonl");
    }

    @Test
    void reportOntoAFifoIsRefusedAndTheFifoStays() throws Exception {
        assertRefusedOntoAFifo("--html", "report", "--key", reviewed.pub().toString());
    }

    @Test
    void aPinSavedOntoAFifoIsRefusedAndTheFifoStays() throws Exception {
        assertRefusedOntoAFifo("--save-pin", "verify", "--key", reviewed.pub().toString());
    }

    /**
     * A symbolic link at the name to a FIFO (as one to {@code /dev/null} would be): the rename replaces the link, never
     * what it points at, so the export is written and the FIFO stays (no defect: the guard looks at the name without
     * following it, and rename(2) does not follow a last component).
     */
    @Test
    void exportOntoALinkToAFifoReplacesTheLinkAndLeavesTheFifo() throws Exception {
        Path fifo = tmp.resolve("linked.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path link = Files.createSymbolicLink(tmp.resolve("export.jsonl"), fifo);
        CliRun r = CliRun.audit(
                "export", "--format", "jsonl", "--log", reviewed.log().toString(), "--output", link.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(Files.isRegularFile(link, LinkOption.NOFOLLOW_LINKS), link + " is still a link");
        assertTrue(Files.readAllLines(link).size() >= 20, "the 20 decisions exported");
        assertTrue(
                Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isOther(),
                fifo + " was replaced");
    }
}
