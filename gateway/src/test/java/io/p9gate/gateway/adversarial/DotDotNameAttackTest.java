package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 8 item 11: a name holding {@code ..} (or '/', or empty, or ".") in a create, mkdir, symlink, mknod, link,
 * rename, renameat or unlinkat, or a walk element holding '/', made the policy's path parser throw and the guest
 * got EIO "policy-error"; without a policy the same names were decided (on a path that is not the one named) and
 * only the backend refused them. A bad name is EINVAL, refused before any decision, and recorded as a refusal.
 */
class DotDotNameAttackTest {
    /** Names no directory entry can have (a NUL never gets this far: the codec refuses such a string). */
    private static final List<String> BAD_ENTRY_NAMES = List.of("..", ".", "", "../escape", "a/b", "/etc");
    /** Walk elements may be "." and "..", never names with '/', or empty. */
    private static final List<String> BAD_WALK_NAMES = List.of("../escape", "a/..", "/etc", "");

    @TempDir
    Path tmp;

    /** Fids: 0 the share root, 1 a clone of it (for lcreate), 2 the file f. */
    private static Stream<FileRequest> requestsNaming(String name) {
        return Stream.of(
                new TMessage.Tlcreate(1, name, 2, 0644, 0),
                new TMessage.Tmkdir(0, name, 0755, 0),
                new TMessage.Tsymlink(0, name, "f", 0),
                new TMessage.Tmknod(0, name, 0010644, 0, 0, 0),
                new TMessage.Tlink(0, 2, name),
                new TMessage.Trename(2, 0, name),
                new TMessage.Trenameat(0, "f", 0, name),
                new TMessage.Trenameat(0, name, 0, "g"),
                new TMessage.Tunlinkat(0, name, 0),
                new TMessage.Tunlinkat(0, name, 0x200));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void badNamesAreEinvalAndRecorded(Mode mode) throws Exception {
        try (ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
                P9Client alpha = gw.alpha()) {
            alpha.attach(0, "u", "data", 0);
            alpha.walk(0, 1);
            alpha.walk(0, 2, "f");
            for (String name : BAD_ENTRY_NAMES) {
                for (FileRequest request : requestsNaming(name).toList()) {
                    refusedAndRecorded(gw, alpha, request);
                }
            }
            for (String name : BAD_WALK_NAMES) {
                refusedAndRecorded(gw, alpha, new TMessage.Twalk(0, 3, List.of(name)));
                refusedAndRecorded(gw, alpha, new TMessage.Twalk(0, 3, List.of("..", name)));
            }
            assertEquals(3, alpha.walk(0, 3, ".", "..", ".").size(), "'.' and '..' are still walk elements");
        }
        assertEquals(
                List.of("f"),
                Files.list(tmp.resolve("shares/data"))
                        .map(p -> p.getFileName().toString())
                        .toList(),
                "nothing was created, moved or removed");
        assertFalse(Files.exists(tmp.resolve("shares/escape")));
    }

    private static void refusedAndRecorded(ChokePointGateway gw, P9Client alpha, FileRequest request) {
        int before = gw.trail.decisions.size();
        P9Exception e = assertThrows(P9Exception.class, () -> alpha.rpc(request), request.toString());
        assertEquals(Errno.EINVAL, e.errno(), request.toString());
        List<AuditEntry> added = gw.trail.decisions.subList(before, gw.trail.decisions.size());
        assertEquals(1, added.size(), "one record for " + request + ": " + added);
        AuditEntry r = added.getFirst();
        assertFalse(r.decision().allowed(), "refused before any decision: " + r);
        assertEquals(Errno.EINVAL, r.outcome().errno(), request.toString());
        assertEquals(List.of("invalid-name"), r.decision().ruleIds(), request.toString());
    }
}
