package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.guest.RepoPaths;
import io.p9gate.gateway.server.PeerIdentifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A unix: listener's {@code peer:} is the process that called connect(2), as SO_PEERCRED recorded it (docs/policy.md,
 * "Listeners"), not the process that speaks 9P on the connection: the kernel keeps the connector's credentials when
 * the descriptor is passed on (SCM_RIGHTS). The hypervisor's connection handed to a process of another user is still
 * the VM; a connection another user made, handed to a process of the hypervisor's uid, is still refused: who
 * connects decides, and the socket file's owner, group and mode limit who may. Pinned with children of another uid.
 */
class PassedDescriptorPeerTest {
    private static final int HYPERVISOR = 4242;
    private static final int ROOT = 0;

    @TempDir
    Path tmp;

    @BeforeEach
    void rootAndPython() throws IOException {
        assumeTrue(
                (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
                "a child of another uid needs root");
        assumeTrue(python() != null, "python3 on PATH");
        // The other uid must reach the socket through the test's directory.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private IdentityRig start() throws Exception {
        return new IdentityRig(tmp).start("""
                a:
                  listen: unix:%s/a.sock
                  socket: {owner: %d, mode: "0600"}
                  peer: {uid: %d}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(tmp, HYPERVISOR, HYPERVISOR), null);
    }

    @Test
    void theHypervisorsConnectionHandedToAnotherUserIsStillTheVm() throws Exception {
        try (IdentityRig rig = start()) {
            List<String> out = passed(HYPERVISOR, ROOT);
            assertEquals("read VM a's view", out.get(1), out.toString());
            assertEquals(List.of(), rig.refusals());
        }
    }

    @Test
    void aConnectionOfAnotherUserHandedToTheHypervisorsUidIsRefused() throws Exception {
        try (IdentityRig rig = start()) {
            List<String> out = passed(ROOT, HYPERVISOR);
            assertEquals("closed", out.get(1), out.toString());
            List<AuditEntry> refused = rig.refusals();
            assertEquals(1, refused.size(), rig.records.toString());
            assertEquals(
                    List.of(PeerIdentifier.RULE_PEER),
                    refused.getFirst().decision().ruleIds());
            String detail = DetailWords.text(refused.getFirst().request().detail());
            String connector = out.getFirst().substring("connector ".length());
            assertTrue(detail.contains("pid=" + connector + " uid=0 "), detail);
            assertTrue(detail.contains("uid 0 is not " + HYPERVISOR), detail);
        }
    }

    /** The script's lines: "connector PID", then what the speaker got. */
    private List<String> passed(int connectorUid, int speakerUid) throws Exception {
        Path script = RepoPaths.root().resolve("gateway/src/test/python/passed_fd_9p.py");
        Path out = tmp.resolve("passed.out");
        Process p = new ProcessBuilder(
                        python(),
                        script.toString(),
                        tmp.resolve("a.sock").toString(),
                        Integer.toString(connectorUid),
                        Integer.toString(speakerUid),
                        "a",
                        "a.txt")
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "passed_fd_9p.py did not end");
        assertEquals(0, p.exitValue(), Files.readString(out));
        List<String> lines = Files.readAllLines(out);
        assertEquals(2, lines.size(), lines.toString());
        return lines;
    }

    private static String python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "python3");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
