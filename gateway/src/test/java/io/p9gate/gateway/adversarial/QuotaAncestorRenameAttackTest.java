package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Issue 8, item 5(b): a quota's scope is a path, so moving a directory above it moves the boundary.
 * With {@code /prep/cache} holding 8 MiB outside any scope, renaming the scope's ancestor {@code /work}
 * away and {@code /prep} into its place were both accepted and left 8 MiB uncounted under a 1 MiB
 * quota. Now a directory rename that would carry a scope's root, or put a tree where one will be, is
 * EXDEV (the tools then copy, and every copied byte is counted).
 */
class QuotaAncestorRenameAttackTest {
    private static final long PREPARED = 8L * LIMIT;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    /** Makes /prep/cache/blob with 8 MiB (outside the scope: no quota) and walks fid 1 to /prep. */
    private P9Client prepare() throws Exception {
        P9Client c = target.start().connect();
        c.mkdir(ROOT, "prep", 0755, 0);
        c.walk(ROOT, 1, "prep");
        c.mkdir(1, "cache", 0755, 0);
        c.walk(1, 2, "cache");
        c.lcreate(2, "blob", O_RDWR, 0644, 0);
        assertEquals(PREPARED, QuotaAttackGateway.fill(c, 2, 0, PREPARED));
        c.clunk(2);
        return c;
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }

    @Test
    void theScopesAncestorCannotBeRenamedAwayAndReplaced() throws Exception {
        P9Client c = prepare();

        assertEquals(Errno.EXDEV, refused(() -> c.renameat(ROOT, "work", ROOT, "old")));
        assertEquals(Errno.EXDEV, refused(() -> c.renameat(ROOT, "prep", ROOT, "work")));
        c.walk(ROOT, 3, "work");
        assertEquals(
                Errno.EXDEV,
                refused(() -> c.rpc(new TMessage.Trename(3, 1, "work"))),
                "Trename of the ancestor's fid too");

        assertTrue(target.hostBytesInScope() <= LIMIT, "scope holds " + target.hostBytesInScope());
        assertTrue(Files.isDirectory(target.scope));
    }

    @Test
    void aPreparedTreeCannotTakeThePlaceOfAMissingAncestor() throws Exception {
        Files.delete(target.scope);
        Files.delete(target.scope.getParent()); // the policy names /work/cache; nothing is there yet
        P9Client c = prepare();

        assertEquals(Errno.EXDEV, refused(() -> c.renameat(ROOT, "prep", ROOT, "work")));
        c.mkdir(ROOT, "work", 0755, 0);
        c.walk(ROOT, 3, "work");
        assertEquals(Errno.EXDEV, refused(() -> c.renameat(1, "cache", 3, "cache")));

        assertTrue(target.hostBytesInScope() <= LIMIT, "scope holds " + target.hostBytesInScope());
        // What mv does after EXDEV, copying, is counted.
        c.mkdir(3, "cache", 0755, 0);
        c.walk(3, 4, "cache");
        c.lcreate(4, "blob", O_RDWR, 0644, 0);
        assertEquals(LIMIT, QuotaAttackGateway.fill(c, 4, 0, PREPARED));
    }
}
