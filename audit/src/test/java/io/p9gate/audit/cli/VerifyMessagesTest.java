package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.read.LogDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: what {@code verify} and {@code check-proof} say when the reviewer, not the log, is wrong (the wrong
 * public key, the private key, a file that is not a proof), and where a finding is, as a line an editor opens.
 */
class VerifyMessagesTest {
    @TempDir
    Path tmp;

    Path log;
    Path pub;

    @BeforeEach
    void writeLog() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        log = reviewed.log();
        pub = reviewed.pub();
        reviewed.openWithDecisions(60).close();
    }

    /** Writes other.pub, a key of {@code name} that signed nothing here. */
    private Path otherKey(String name) throws Exception {
        KeyFiles.writeKeyPair(TestLogs.key(name), tmp.resolve("other.key"), tmp.resolve("other.pub"));
        return tmp.resolve("other.pub");
    }

    @Test
    void aWrongPublicKeyIsSaidOnceNotOncePerCheckpoint() throws Exception {
        CliRun r = CliRun.audit(
                "verify",
                "--log",
                log.toString(),
                "--key",
                otherKey("someone-else").toString());
        assertEquals(9, r.exit(), r.out());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r.out());
        assertTrue(lines.getFirst().contains("this log is not signed by that key"), r.out());
        assertTrue(lines.getFirst().contains("ecu-a-audit"), "names the key that did sign it: " + r.out());
        assertFalse(r.out().contains("TAMPERED"), r.out());
    }

    /**
     * A key set shared by a fleet accepts every gateway's log: the OK line names the key that signed, as the key
     * file and {@code keys generate} show it, so a reviewer sees whose log it is.
     */
    @Test
    void theOkLineNamesTheKeyThatSigned() throws Exception {
        Path otherPub = otherKey("ecu-b-audit");
        CliRun r =
                CliRun.audit("verify", "--log", log.toString(), "--key", otherPub.toString(), "--key", pub.toString());
        assertEquals(0, r.exit(), r.out());
        String signer = Files.readString(pub, StandardCharsets.UTF_8).strip();
        String other = Files.readString(otherPub, StandardCharsets.UTF_8).strip();
        assertTrue(r.out().startsWith("OK: "), r.out());
        assertTrue(r.out().lines().findFirst().orElseThrow().endsWith(", signed by " + signer), r.out());
        assertFalse(r.out().contains(other), "a trusted key that signed nothing is not named: " + r.out());
    }

    @Test
    void aDirectoryWithoutAnyLogFileIsNoIntactLog() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("not-the-log"));
        Files.writeString(elsewhere.resolve("notes.txt"), "x");
        CliRun r = CliRun.audit("verify", "--log", elsewhere.toString(), "--key", pub.toString());
        assertEquals(2, r.exit(), "a mistyped --log reads as 'OK: 0 records' otherwise: " + r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("no audit log in " + elsewhere), r.err());
        assertTrue(r.err().contains("--audit-dir"), "names serve's option (there is no --audit-log): " + r.err());
    }

    @Test
    void aPrivateKeyGivenToVerifySaysSo() {
        CliRun r = CliRun.audit(
                "verify",
                "--log",
                log.toString(),
                "--key",
                tmp.resolve("audit.key").toString());
        assertEquals(2, r.exit());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("audit.key is a private key"), r.err());
        assertFalse(r.err().contains("base64"), r.err());
    }

    @Test
    void modifiedNamesTheSegmentLineItIsOn() throws Exception {
        Path seg = LogDirectory.segments(log).get(1);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(seg));
        String third = lines.get(2);
        long seq = Long.parseLong(third.substring("{\"seq\":".length(), third.indexOf(',')));
        lines.set(2, third.replace("/data/", "/DATA/"));
        Files.write(seg, lines);
        CliRun r = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString());
        assertEquals(3, r.exit(), r.out());
        assertTrue(r.out().contains("MODIFIED: record " + seq + " (" + seg.getFileName() + " line 3)"), r.out());
    }

    @Test
    void malformedNamesTheSegmentLine() throws Exception {
        Path seg = LogDirectory.segments(log).get(1);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(seg));
        lines.set(4, "not a record");
        Files.write(seg, lines);
        CliRun r = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString());
        assertTrue(r.out().contains("MALFORMED: " + seg.getFileName() + " line 5 (offset "), r.out());
    }

    @Test
    void aProofThatIsNotJsonIsOneCleanLine() throws Exception {
        Path proof = Files.writeString(tmp.resolve("proof.json"), "hello, I am not a proof\n{\n");
        CliRun r = CliRun.audit("check-proof", proof.toString(), "--key", pub.toString());
        assertEquals(2, r.exit());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("proof.json is not a proof: not JSON (line 1, column "), r.err());
        assertFalse(r.err().contains("\\n"), "no escaped second line of Jackson's: " + r.err());
        assertFalse(r.err().contains("Source"), r.err());
    }

    /**
     * A key, pin or proof file that is binary (a copied disk image, a private key in DER) or a directory was
     * reported as "Input length = 1" or "Is a directory", naming neither the file nor what it should have been.
     */
    @Test
    void aBinaryOrDirectoryKeyPinOrProofIsNamedWithWhatItShouldBe() throws Exception {
        Path binary = Files.write(tmp.resolve("blob.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        Path dir = Files.createDirectories(tmp.resolve("a-dir"));
        List<CliRun> runs = List.of(
                CliRun.audit("verify", "--log", log.toString(), "--key", binary.toString()),
                CliRun.audit("verify", "--log", log.toString(), "--key", dir.toString()),
                CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--pin", binary.toString()),
                CliRun.audit("check-proof", binary.toString(), "--key", pub.toString()),
                CliRun.audit("prove", "--log", log.toString(), "--key", binary.toString(), "1"));
        List<Path> named = List.of(binary, dir, binary, binary, binary);
        for (int i = 0; i < runs.size(); i++) {
            CliRun r = runs.get(i);
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains(named.get(i).toString()), "names the file: " + r.err());
            assertFalse(r.err().contains("Input length"), r.err());
            assertFalse(r.err().contains("Is a directory"), r.err());
        }
    }

    /**
     * A FIFO given as a key hung {@code verify} in open(2) for ever, {@code /dev/zero} as a key ran it out of memory
     * (the launcher's exit status 3, which reads as MODIFIED), and a pin of a megabyte was read whole and called
     * MALFORMED (exit 11). Each is bad input: one line naming the file, exit 2.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // before: a hang
    void aFifoADeviceOrAHugeFileAsKeyPinOrProofIsBadInput() throws Exception {
        Path fifo = tmp.resolve("a-fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path zero = Path.of("/dev/zero");
        Path huge = Files.write(tmp.resolve("huge.pin"), "a".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII));
        String l = log.toString();
        String k = pub.toString();
        List<Path> named = List.of(fifo, zero, huge, fifo, zero, huge, fifo, zero, fifo);
        List<String[]> args = List.of(
                new String[] {"verify", "--log", l, "--key", fifo.toString()},
                new String[] {"verify", "--log", l, "--key", zero.toString()},
                new String[] {"verify", "--log", l, "--key", huge.toString()},
                new String[] {"verify", "--log", l, "--key", k, "--pin", fifo.toString()},
                new String[] {"verify", "--log", l, "--key", k, "--pin", zero.toString()},
                new String[] {"verify", "--log", l, "--key", k, "--pin", huge.toString()},
                new String[] {"check-proof", fifo.toString(), "--key", k},
                new String[] {"check-proof", zero.toString(), "--key", k},
                new String[] {"prove", "--log", l, "--key", fifo.toString(), "1"});
        for (int i = 0; i < args.size(); i++) {
            CliRun r = CliRun.audit(args.get(i));
            assertEquals(2, r.exit(), String.join(" ", args.get(i)) + ": " + r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains(named.get(i).toString()), "names the file: " + r.err());
            assertFalse(r.err().contains("no such"), "the file is there: " + r.err());
        }
    }

    /** A file given as --log was called "no such audit directory", though it is there: a path mistyped the other way. */
    @Test
    void aFileGivenAsTheLogDirectoryIsNamedAsNoDirectory() throws Exception {
        for (String command : List.of("verify", "show", "stats", "export", "prove")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, "--log", pub.toString()));
            switch (command) {
                case "verify" -> args.addAll(List.of("--key", pub.toString()));
                case "export" -> args.addAll(List.of("--format", "jsonl"));
                case "prove" -> args.add("1");
                default -> {}
            }
            CliRun r = CliRun.audit(args.toArray(String[]::new));
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains(pub + ": not a directory"), command + ": " + r.err());
        }
    }

    /**
     * A loop of symbolic links given as the key or pin was an I/O error with the JDK's words (exit 1, not the bad
     * input it is), as --log it was "no such audit directory", and as the sidecar it read as a deleted one (DELETED,
     * exit 5): the reviewer was told of tampering where a file could not be read.
     */
    @Test
    void aLoopOfLinksIsNamedAsOneWhereverItIsGiven() throws Exception {
        Path loop = tmp.resolve("loop-a");
        Files.createSymbolicLink(loop, tmp.resolve("loop-b"));
        Files.createSymbolicLink(tmp.resolve("loop-b"), loop);
        String l = log.toString();
        String k = pub.toString();
        for (String[] args : List.of(
                new String[] {"verify", "--log", l, "--key", loop.toString()},
                new String[] {"verify", "--log", l, "--key", k, "--pin", loop.toString()},
                new String[] {"check-proof", loop.toString(), "--key", k})) {
            CliRun r = CliRun.audit(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(
                    r.err().contains(loop + ": too many levels of symbolic links (a loop of links?) (not a "), r.err());
            assertTrue(r.err().contains("too many levels of symbolic links"), r.err());
        }
        CliRun asLog = CliRun.audit("verify", "--log", loop.toString(), "--key", k);
        assertEquals(2, asLog.exit(), asLog.err()); // bad input, as a --log that is not there
        assertTrue(asLog.err().contains(loop + ": too many levels of symbolic links"), asLog.err());

        Path sidecar = LogDirectory.checkpointsFile(log);
        Files.delete(sidecar);
        Files.createSymbolicLink(sidecar, loop);
        CliRun looped = CliRun.audit("verify", "--log", l, "--key", k);
        assertEquals(1, looped.exit(), looped.out() + looped.err());
        assertTrue(looped.oneLineError(), looped.err());
        assertTrue(looped.err().contains("checkpoints.jsonl is not a regular file"), looped.err());
    }

    /**
     * A segment that is a loop of symbolic links was named with the JDK's words ("Too many levels of symbolic links
     * or unable to access attributes of symbolic link"), unlike every other loop the tools meet.
     */
    @Test
    void aSegmentThatIsALoopOfLinksIsNamedAsOne() throws Exception {
        Path segment = LogDirectory.segments(log).getLast();
        Files.delete(segment);
        Path other = tmp.resolve("loop-other");
        Files.createSymbolicLink(other, segment);
        Files.createSymbolicLink(segment, other);
        for (String[] args : List.of(
                new String[] {"verify", "--log", log.toString(), "--key", pub.toString()},
                new String[] {"show", "--log", log.toString()},
                new String[] {"stats", "--log", log.toString()})) {
            CliRun r = CliRun.audit(args);
            assertEquals(1, r.exit(), String.join(" ", args) + ": " + r.out() + r.err());
            assertTrue(r.oneLineError(), r.err());
            assertFalse(r.err().contains("unable to access attributes"), r.err());
        }
        CliRun verify = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString());
        assertTrue(
                verify.err().contains(segment + ": too many levels of symbolic links (a loop of links?)"),
                verify.err());
    }
}
