package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 8 item 7 (records half): a guest probing for another VM's share (Tattach, ENOENT) or linking and renaming
 * across its own shares (EXDEV) was refused without a record, so a reviewer never saw the probing. Every refusal
 * of a request that names a share or a path is a decision record (R-AUD-1), in every mode.
 */
class UnrecordedRefusalAttackTest {
    @TempDir
    Path tmp;

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void attachToAShareThatIsNotTheVmsIsRecorded(Mode mode) throws Exception {
        try (ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
                P9Client alpha = gw.alpha()) {
            for (String aname : List.of("other", "nosuch")) {
                assertEquals(Errno.ENOENT, errno(() -> alpha.attach(0, "u", aname, 0)), aname);
                AuditEntry r = gw.denials(Errno.ENOENT).getLast();
                assertEquals(Operation.ATTACH, r.request().operation(), aname);
                assertEquals(aname, r.request().share(), "the record names the share asked for");
                assertEquals(MessageType.TATTACH, r.message());
            }
            assertEquals(2, gw.denials(Errno.ENOENT).size(), "one record per refused attach");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void linkAndRenameAcrossSharesAreRecorded(Mode mode) throws Exception {
        try (ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
                P9Client alpha = gw.alpha()) {
            alpha.attach(0, "u", "data", 0);
            alpha.attach(1, "u", "logs", 0);
            alpha.walk(0, 2, "f");
            alpha.walk(1, 3, "l");
            assertEquals(Errno.EXDEV, errno(() -> alpha.link(1, 2, "f-in-logs")));
            assertEquals(Errno.EXDEV, errno(() -> alpha.renameat(0, "f", 1, "f-moved")));
            assertEquals(Errno.EXDEV, errno(() -> alpha.rpc(new TMessage.Trename(3, 0, "l-moved"))));
            List<AuditEntry> refused = gw.denials(Errno.EXDEV);
            assertEquals(
                    List.of(Operation.LINK, Operation.RENAME, Operation.RENAME),
                    refused.stream().map(e -> e.request().operation()).toList());
            assertEquals(List.of("f", "f-in-logs"), refused.get(0).request().paths(), "source, then the new name");
            assertEquals(List.of("f", "f-moved"), refused.get(1).request().paths());
            assertEquals(List.of("l", "l-moved"), refused.get(2).request().paths());
        }
        assertTrue(Files.exists(tmp.resolve("shares/data/f")));
        assertFalse(Files.exists(tmp.resolve("shares/logs/f-in-logs")));
        assertFalse(Files.exists(tmp.resolve("shares/logs/f-moved")));
        assertFalse(Files.exists(tmp.resolve("shares/data/l-moved")));
    }
}
