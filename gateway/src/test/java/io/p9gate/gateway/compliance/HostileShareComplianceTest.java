package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite run against a share that a hostile guest prepared before the operator runs it: what the guest left
 * there may neither make the suite's verdict wrong, nor make it damage the guest's data, nor break its reports.
 * Each test serves a small policy ({@code serve --policy}, a signed audit log) over a share seeded host-side with
 * what the guest wrote, and runs {@code p9gate compliance run} against it as the operator would.
 */
class HostileShareComplianceTest {
    @TempDir
    Path tmp;

    private Path share;

    /** A policy of one VM with one read-write share {@code data} holding {@code extra} (YAML under the share). */
    private Path policy(String extra) throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        return Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:%s
                    shares:
                      data:
                        path: %s
                        access: read-write
                %s""".formatted(tmp.resolve("vm1.sock"), share, extra.indent(8)));
    }

    private SuiteRun run(Path policy, String... more) throws Exception {
        try (ServedGateway served = ServedGateway.serve(policy, Files.createDirectories(tmp.resolve("gw")))) {
            return SuiteRun.against(policy, served, tmp.resolve("report"), more);
        }
    }

    /**
     * A guest made a directory tree deeper than one Twalk reaches (16 names, the 9P limit): a walk from the share
     * root to what lies below must take several Twalks, not end the VM's run with "cannot send Twalk" (a FAIL
     * that the gateway did nothing to earn, with every later check of the VM unrun).
     */
    @Test
    void aTreeDeeperThanOneTwalkIsWalkedInSteps() throws Exception {
        Path policy = policy("");
        Path deep = share;
        for (int i = 0; i < 20; i++) {
            deep = deep.resolve("d" + i);
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("leaf"), "x");
        SuiteRun run = run(policy);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(run.out().contains("pass R-POL-4   vm1/data/view"), run::describe);
        assertEquals(SuiteReport.EXIT_PASSED, run.exitCode(), run::describe);
    }

    /**
     * A guest named a file in a read-only subtree with terminal escapes and XML-illegal control characters; the
     * suite probes that file, so its name is in the checks' titles and requests. The console must not pass the
     * escapes to the operator's terminal, and report.xml must stay well-formed XML for the CI system.
     */
    @Test
    void controlCharactersInNamesAreEscapedInTheConsoleAndTheJunitReport() throws Exception {
        Path policy = policy("read-only: [/base]");
        Path base = Files.createDirectories(share.resolve("base"));
        // sorts first among the entries of /base, so the probes of existing files take it
        Files.writeString(base.resolve("\u0001\u001b[2J\u001b[32mpass\u001b]0;owned\u0007<x>\uffff.txt"), "x");
        SuiteRun run = run(policy);
        assertTrue(run.out().contains("\\x1b[2J"), "the name is shown escaped: " + run.describe());
        assertFalse(run.out().contains("\u001b"), "no escape reaches the terminal: " + run.describe());
        assertFalse(run.out().contains("\u0007"), run::describe);
        byte[] xml = Files.readAllBytes(tmp.resolve("report/report.xml"));
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        assertEquals(SuiteReport.EXIT_PASSED, run.exitCode(), run::describe);
    }

    /**
     * A share with more entries than {@code --max-entries} (a guest makes one at will): what lies beyond is not
     * in the suite's view. A rule on {@code /users/*}{@code /profile.json} that allows rename then has no entry the
     * suite knows of, so it probes a rename of its own file onto a "new" name in a directory it saw,
     * {@code /users/a/profile.json}, which exists: the rename would replace the guest's file and the undo would
     * move the suite's file back, leaving the guest's profile gone. The suite must never rename onto an existing
     * name.
     */
    @Test
    void aRenameProbeNeverReplacesAnEntryBeyondTheView() throws Exception {
        Path policy = policy("""
                rules:
                  - id: profiles
                    effect: allow
                    ops: [RENAME]
                    paths: ["/users/*/profile.json"]
                """);
        Path profile = Files.createDirectories(share.resolve("users/a")).resolve("profile.json");
        Files.writeString(profile, "the guest's profile");
        // "/", "/users" (both named by the policy), then "/users/a": the view ends before /users/a is listed
        SuiteRun run = run(policy, "--max-entries", "3");
        assertTrue(Files.exists(profile), "the guest's file is still there: " + run.describe());
        assertEquals("the guest's profile", Files.readString(profile), run::describe);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
    }

    /**
     * The only entries a rule's glob matches are a FIFO and a symlink the guest made: the gateway opens neither
     * (ENXIO, ELOOP), whatever the policy allows. Probing an open, an xattr or a setattr on them would report a
     * FAIL that says nothing about the policy; the suite must probe a regular file or directory, else skip.
     */
    @Test
    void specialFilesAreNotTakenForFilesToOpen() throws Exception {
        Path policy = policy("""
                rules:
                  - id: exports
                    effect: allow
                    ops: [read, OPEN_WRITE, SETATTR, XATTR_WRITE]
                    paths: ["/exports/*.csv"]
                """);
        Path exports = Files.createDirectories(share.resolve("exports"));
        Files.createSymbolicLink(exports.resolve("a.csv"), Path.of("/etc/hostname"));
        Process mkfifo = new ProcessBuilder("mkfifo", exports.resolve("b.csv").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        SuiteRun run = run(policy);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(
                run.lines("skip").stream()
                        .anyMatch(l -> l.contains("rules.exports/open_read")
                                && l.contains("no regular file or directory matching /exports/*.csv")),
                run::describe);
    }
}
