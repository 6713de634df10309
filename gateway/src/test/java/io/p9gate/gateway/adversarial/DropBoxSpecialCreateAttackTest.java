package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, docs/policy.md "Operation kinds"): a 9P2000.u Tcreate of a symlink, fifo or hard link is made
 * under its SYMLINK, MKNOD or LINK decision, and then the fid moved onto the new entry by a Twalk that was decided on
 * its own, as WALK. In a write-only drop box (a deny of WALK and the reads on {@code /drop/*}) the entry was made and
 * the guest told EACCES: {@code ln -s}, {@code mkfifo} and {@code ln} over .u failed while their file stayed (a retry
 * EEXIST), and the log held the allowed make and a denied walk for one request. A regular file's Tcreate (CREATE)
 * and a directory's (MKDIR) were already answered under their one decision; a special file now is too.
 */
class DropBoxSpecialCreateAttackTest {
    private static final String DROP_BOX = """
            rules:
              - {id: drop-box, effect: deny, ops: [WALK, READDIR, OPEN_READ, GETATTR, READLINK], paths: ["/drop/*"]}
            """;
    private static final int DMLINK = 0x01000000;

    @TempDir
    Path tmp;

    @Test
    void aSpecialFileMadeInADropBoxIsAnsweredAsMade() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, DROP_BOX, "data")) {
            Path share = gw.share("data");
            Path drop = Files.createDirectories(share.resolve("drop"));
            Files.writeString(share.resolve("letter"), "dear");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 9, "letter");
                String letterFid = "9";
                List<Case> cases = List.of(
                        new Case("ln", Stat.DMSYMLINK | 0777, "/elsewhere", Operation.SYMLINK),
                        new Case("fifo", Stat.DMNAMEDPIPE | 0644, "", Operation.MKNOD),
                        new Case("hard", DMLINK, letterFid, Operation.LINK));
                int fid = 1;
                for (Case c : cases) {
                    guest.walk(0, fid, "drop");
                    int before = gw.records.size();
                    int at = fid;
                    RMessage reply;
                    try {
                        reply = guest.rpc(new TMessage.Tcreate(at, c.name, c.perm, 0, Optional.of(c.extension)));
                    } catch (P9Exception e) {
                        throw new AssertionError(
                                c.name + ": " + e.errno() + ", made on the host: "
                                        + Files.exists(drop.resolve(c.name), LinkOption.NOFOLLOW_LINKS) + ", recorded: "
                                        + gw.records.subList(before, gw.records.size()),
                                e);
                    }
                    assertInstanceOf(RMessage.Rcreate.class, reply, c.name);
                    assertTrue(
                            Files.exists(drop.resolve(c.name), LinkOption.NOFOLLOW_LINKS), c.name + " is on the host");
                    List<AuditEntry> request = gw.records.subList(before, gw.records.size());
                    assertTrue(
                            request.stream().allMatch(r -> r.decision().allowed()),
                            c.name + ": one request made and answered, no refusal recorded: " + request);
                    assertTrue(
                            request.stream().anyMatch(r -> r.request().operation() == c.made),
                            c.name + ": recorded as " + c.made + ": " + request);
                    int beforeStat = gw.records.size();
                    Errno stat;
                    try {
                        guest.rpc(new TMessage.Tstat(at));
                        stat = null;
                    } catch (P9Exception e) {
                        stat = e.errno();
                    }
                    assertEquals(
                            Errno.EACCES,
                            stat,
                            c.name + ": the fid is the new entry, whose attributes the drop box keeps: "
                                    + gw.records.subList(beforeStat, gw.records.size()));
                    fid++;
                }
                assertEquals(
                        Errno.EACCES,
                        assertThrows(P9Exception.class, () -> guest.walk(0, 20, "drop", "ln"))
                                .errno(),
                        "the drop box still refuses a walk into it");
            }
            assertEquals("dear", Files.readString(drop.resolve("hard")));
        }
    }

    private record Case(String name, int perm, String extension, Operation made) {}
}
