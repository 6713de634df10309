package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.guest.GuestHarness;
import io.p9gate.gateway.guest.GuestResult;
import io.p9gate.gateway.guest.GuestRun;
import io.p9gate.gateway.proto.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ground truth for docs/protocol.md ("Tcreate", a drop box): what the real Linux client (6.1) sees making entries
 * where the VM may make them but not stat them. After a create the client walks to the entry and stats it, requests
 * of its own, each decided as such: under a deny of GETATTR the entry is made, recorded as made, and the guest's call
 * fails EACCES (over 9P2000.u every kind of entry; over 9P2000.L a regular file, while its symlink, mknod and mkdir
 * ask no getattr and succeed). Under a deny of WALK the client's lookup before the create is refused and nothing is
 * made (no Tcreate is sent), so a drop box for Linux guests denies READDIR and OPEN_READ, not WALK or GETATTR.
 */
class DropBoxGuestIT {
    private static final String STATLESS_DROP_BOX = """
            rules:
              - {id: drop-box, effect: deny, ops: [READDIR, OPEN_READ, GETATTR, READLINK], paths: ["/drop/*"]}
            """;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"9p2000.u", "9p2000.L"})
    void anEntryMadeWhereItsGetattrIsDeniedIsMadeAndTheGuestsCallFails(String dialect) throws Exception {
        Path script = Files.writeString(tmp.resolve("drop.sh"), """
                ln -s /elsewhere drop/ln; echo "@@ ln=$?"
                echo letter > drop/letter; echo "@@ letter=$?"
                exit 0
                """);
        try (HostShareGateway gw = HostShareGateway.serving(tmp, STATLESS_DROP_BOX, "data")) {
            Path drop = Files.createDirectories(gw.share("data").resolve("drop"));
            Files.setPosixFilePermissions(drop, PosixFilePermissions.fromString("rwxrwxrwx"));
            GuestResult run = GuestHarness.locate()
                    .run(
                            "p9gate-drop-box-" + dialect,
                            gw.socket,
                            GuestRun.script(script).withDialect(dialect));
            assertEquals(0, run.exitCode(), run::describe);
            boolean legacy = dialect.equals("9p2000.u");
            assertTrue(run.output().contains("@@ ln=" + (legacy ? 1 : 0)), run::describe);
            assertTrue(run.output().contains("@@ letter=1"), run::describe);
            try (Stream<Path> made = Files.list(drop)) {
                assertEquals(
                        List.of("letter", "ln"),
                        made.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertMadeThenStatDenied(gw.records, "drop/letter", Operation.CREATE);
            if (legacy) {
                assertMadeThenStatDenied(gw.records, "drop/ln", Operation.SYMLINK);
            }
        }
    }

    /** The make's allowed record, and after it the client's own getattr of the entry, denied EACCES. */
    private static void assertMadeThenStatDenied(List<AuditEntry> records, String path, Operation make) {
        List<AuditEntry> of = records.stream()
                .filter(r -> r.request().paths().equals(List.of(path)))
                .toList();
        int made = indexOf(of, make);
        assertTrue(made >= 0 && of.get(made).decision().allowed(), path + ": " + of);
        AuditEntry stat = of.stream()
                .skip(made)
                .filter(r -> r.request().operation() == Operation.GETATTR)
                .findFirst()
                .orElseThrow(() -> new AssertionError(path + ": no getattr after the make: " + of));
        assertEquals(Errno.EACCES, stat.decision().errno(), path + ": " + of);
    }

    private static int indexOf(List<AuditEntry> records, Operation operation) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).request().operation() == operation) {
                return i;
            }
        }
        return -1;
    }
}
