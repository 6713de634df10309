package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 9P2000.u Tcreate of a symlink, fifo or socket leaves its fid on the new entry (create(5); de9b3ea9). Since
 * c33c0030 a non-directory gets its name by linkat(2) from its reserved {@code .p9gate-making-} name, which is then
 * unlinked: the handle it was made through is the kernel's "{@code .p9gate-making-... (deleted)}". Any rename through
 * the gateway makes every handle of the share ask the kernel for its path again, and that fid's file was then "a
 * removed name whose file lives on under another": its Tstat answered ESTALE for a file the guest had just made, and
 * its records named the reserved name no guest can see. The Linux client (cache=loose) keeps that fid for the
 * dentry's later stats.
 */
class SpecialCreateFidAfterRenameAttackTest {
    @TempDir
    Path tmp;

    /** Where the VM's policy decides alike at every path, the removed name was decided on, answered and recorded. */
    @Test
    void theFidOfAMadeSpecialFileKeepsItsNameAfterARename() throws Exception {
        madeThenStatted("");
    }

    /** Where it decides by path, a removed name cannot be placed: the Tstat was refused ESTALE. */
    @Test
    void theFidOfAMadeSpecialFileKeepsItsNameAfterARenameWherePathsDecide() throws Exception {
        madeThenStatted("""
                rules:
                  - {id: elsewhere, effect: deny, ops: [OPEN_READ], paths: ["/elsewhere/*"]}
                """);
    }

    private void madeThenStatted(String options) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, options, "data")) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("a"), "a");
            List<Case> cases = List.of(
                    new Case("ln", Stat.DMSYMLINK | 0777, "target"),
                    new Case("fifo", Stat.DMNAMEDPIPE | 0644, ""),
                    new Case("sock", Stat.DMSOCKET | 0644, ""));
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536);
                    P9Client other = gw.attached("data", 0)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                int fid = 1;
                for (Case c : cases) {
                    guest.walk(0, fid, ".");
                    assertInstanceOf(
                            RMessage.Rcreate.class,
                            guest.rpc(new TMessage.Tcreate(fid, c.name, c.perm, 0, Optional.of(c.extension))));
                    // Another session's rename: every handle of the share asks the kernel for its path again.
                    String from = fid % 2 == 1 ? "a" : "b";
                    other.renameat(0, from, 0, from.equals("a") ? "b" : "a");
                    int before = gw.records.size();
                    RMessage stat;
                    try {
                        stat = guest.rpc(new TMessage.Tstat(fid));
                    } catch (P9Exception e) {
                        throw new AssertionError(
                                c.name + ": Tstat of the fid Tcreate left on it: " + e.errno() + ", recorded: "
                                        + gw.records.subList(before, gw.records.size()),
                                e);
                    }
                    assertEquals(
                            c.name,
                            ((RMessage.Rstat) stat).stat().common().name(),
                            c.name + ": recorded: " + gw.records.subList(before, gw.records.size()));
                    guest.clunk(fid);
                    List<AuditEntry> recorded = gw.records.subList(before, gw.records.size());
                    assertTrue(
                            recorded.stream().allMatch(r -> r.request().paths().equals(List.of(c.name))),
                            c.name + ": its Tstat and Tclunk recorded at its name: " + recorded);
                    fid++;
                }
            }
        }
    }

    private record Case(String name, int perm, String extension) {}
}
