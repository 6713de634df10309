package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
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
 * Red team (R-AUD-1, de9b3ea9): a 9P2000.u Tcreate of a hard link makes the link, then opens the file by its new name
 * for the fid. A guest at its descriptor budget has the link made (linkat opens nothing) and that open refused
 * (EMFILE): the guest was told EMFILE and the log held a LINK that failed and changed nothing, while the host has the
 * new name. Its record must say the link was made ({@code applied=linked}), as for a name the host replaced meanwhile.
 */
class LinkCreateOutOfDescriptorsAttackTest {
    private static final int DMLINK = 0x01000000;
    private static final long LOTS = 1 << 20;
    private static final int DESCRIPTORS = 16;

    @TempDir
    Path tmp;

    @Test
    void aHardLinkMadeAtTheDescriptorBudgetIsRecordedAsMade() throws Exception {
        Limits limits = new Limits(LOTS, LOTS, LOTS, DESCRIPTORS, LOTS, LOTS, LOTS, 1);
        try (HostShareGateway gw = HostShareGateway.budgeted(tmp, limits, "", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("drop"));
            Files.writeString(share.resolve("letter"), "dear");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "drop");
                guest.walk(0, 2, "letter");
                int fid = 3;
                boolean full = false;
                while (!full && fid < 10 * DESCRIPTORS) {
                    try {
                        guest.walk(0, fid++, "letter");
                    } catch (P9Exception e) {
                        assertTrue(e.errno() == Errno.EMFILE, "refused by the descriptor budget: " + e.errno());
                        full = true;
                    }
                }
                assertTrue(full, "the walks reached the descriptor budget");
                int before = gw.records.size();
                Errno answer = null;
                try {
                    guest.rpc(new TMessage.Tcreate(1, "hard", DMLINK, 0, Optional.of("2")));
                } catch (P9Exception e) {
                    answer = e.errno();
                }
                boolean linked = Files.exists(share.resolve("drop/hard"), LinkOption.NOFOLLOW_LINKS);
                List<AuditEntry> request = gw.records.subList(before, gw.records.size());
                if (linked && answer != null) {
                    Errno told = answer;
                    assertTrue(
                            request.stream()
                                    .filter(r -> r.request().operation() == Operation.LINK)
                                    .anyMatch(r -> r.request().detail().contains("applied=linked")),
                            "told " + told + " for a link made on the host; recorded: " + request);
                }
                assertTrue(linked || answer != null, "either made or refused");
            }
        }
    }
}
