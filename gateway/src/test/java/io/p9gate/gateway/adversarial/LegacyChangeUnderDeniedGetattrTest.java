package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A limit of the legacy dialects, pinned (docs/protocol.md, Twstat "mode"): a 9P2000.u wstat of a mode checks the
 * file's type, and a Tcreate reads its directory's group and permissions (create(5)), each through a guarded getattr.
 * Under a rule that denies GETATTR and leaves SETATTR and CREATE allowed, 9P2000.L's Tsetattr of the mode and its
 * exclusive Tlcreate are served, while the .u requests are EACCES, recorded as the getattr's denial and nothing
 * else; nothing changes on the host. Telling the type without that decision would tell it to a guest the policy
 * refuses it; whether to ask SETATTR (or CREATE) first is a design question, not taken here.
 */
class LegacyChangeUnderDeniedGetattrTest {
    private static final String RULES = """
            rules:
              - {id: blind, effect: deny, ops: [GETATTR], paths: ["/box", "/box/**"]}
            """;

    @TempDir
    Path tmp;

    @Test
    void aDotUChmodAndCreateNeedTheGetattrThatDotLDoesNotAsk() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, RULES, "data")) {
            Path box = Files.createDirectories(gw.share("data").resolve("box"));
            Files.writeString(box.resolve("f"), "x");
            try (P9Client dotL = LegacyDialectBudgetAttackTest.attachedIn(gw, Dialect.L)) {
                dotL.walk(0, 1, "box", "f");
                dotL.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0600, -1, -1, 0, 0, 0, 0, 0));
                dotL.walk(0, 2, "box");
                dotL.lcreate(2, "l", 2 | 0200, 0644, 0);
            }
            try (P9Client dotU = LegacyDialectBudgetAttackTest.attachedIn(gw, Dialect.U)) {
                dotU.walk(0, 1, "box", "f");
                int before = gw.records.size();
                assertEquals(
                        Errno.EACCES,
                        refused(() -> dotU.rpc(Wstats.unix(1, Wstats.common(0640, "", -1, -1, -1L, ""), -1, -1))));
                assertEquals(List.of(Operation.GETATTR), denied(gw, before), "the wstat's records");
                dotU.walk(0, 2, "box");
                before = gw.records.size();
                assertEquals(
                        Errno.EACCES, refused(() -> dotU.rpc(new TMessage.Tcreate(2, "u", 0644, 2, Optional.of("")))));
                assertEquals(List.of(Operation.GETATTR), denied(gw, before), "the Tcreate's records");
            }
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(box.resolve("f"))),
                    "the .L chmod alone was made");
            assertEquals(true, Files.exists(box.resolve("l")));
            assertEquals(false, Files.exists(box.resolve("u")));
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private static Errno refused(Call call) {
        return assertThrows(P9Exception.class, call::run).errno();
    }

    /** The operations of the records written since {@code before}, all of which must be denials. */
    private static List<Operation> denied(HostShareGateway gw, int before) {
        List<AuditEntry> records = List.copyOf(gw.records.subList(before, gw.records.size()));
        records.forEach(r -> assertEquals(false, r.decision().allowed(), r.toString()));
        return records.stream().map(r -> r.request().operation()).toList();
    }
}
