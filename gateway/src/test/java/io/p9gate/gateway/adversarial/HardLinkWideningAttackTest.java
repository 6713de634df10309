package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-2, R-POL-3): a hard link is a second name for the same file, and rules decide names.
 * With docs/policy.md's own sample rule (deny CREATE, OPEN_WRITE, RENAME on {@code *.sh}) a guest linked
 * {@code run.sh} as {@code run.txt} and rewrote the script through the new name; with a drop box (deny OPEN_READ on
 * {@code /drop/**}) it linked a letter out of the box and read it. A read-only subtree already refuses this (a link
 * is a write there); a deny rule did not. A link is refused (EACCES, naming the source's rules) when the new name
 * would allow something on the file that its current name refuses.
 */
class HardLinkWideningAttackTest {
    private static final byte[] SCRIPT = "echo safe\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void aLinkNeverGivesAFileANameWithMoreRights() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE, RENAME], paths: ["/**/*.sh"]}
                  - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
                """, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("bin"));
            Files.write(share.resolve("bin/run.sh"), SCRIPT);
            Files.createDirectories(share.resolve("drop"));
            Files.writeString(share.resolve("drop/letter"), "for the host only");
            Files.writeString(share.resolve("notes"), "anyone");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "bin", "run.sh");
                assertEquals(Errno.EACCES, refused(() -> guest.link(0, 1, "run.txt")), "script made writable");
                guest.walk(0, 2, "drop", "letter");
                assertEquals(Errno.EACCES, refused(() -> guest.link(0, 2, "letter")), "letter made readable");

                guest.walk(0, 3, "notes");
                guest.link(0, 3, "notes-2");
                guest.walk(0, 4, "drop");
                guest.link(4, 3, "copy-of-notes"); // into the drop box: the new name allows less, which is fine

                List<AuditEntry> refusedLinks = gw.records.stream()
                        .filter(r -> r.request().operation() == Operation.LINK
                                && !r.decision().allowed())
                        .toList();
                assertEquals(2, refusedLinks.size(), "recorded: " + refusedLinks);
                assertEquals(
                        List.of("vm.guest.share.data.rules.no-scripts"),
                        refusedLinks.get(0).decision().ruleIds());
                assertEquals(
                        List.of("vm.guest.share.data.rules.drop-box"),
                        refusedLinks.get(1).decision().ruleIds());
            }
            assertFalse(Files.exists(share.resolve("run.txt")));
            assertFalse(Files.exists(share.resolve("letter")));
            assertArrayEquals(SCRIPT, Files.readAllBytes(share.resolve("bin/run.sh")));
            assertTrue(Files.exists(share.resolve("notes-2")));
            assertTrue(Files.exists(share.resolve("drop/copy-of-notes")));
        }
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
