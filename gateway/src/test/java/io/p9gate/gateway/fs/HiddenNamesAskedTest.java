package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory's link count and rmdir leave hidden names out (R-POL-4), which asked the policy for the hidden names
 * of every directory with subdirectories that a guest got the attributes of (a path parse and a map lookup, each
 * Tgetattr), in shares that hide nothing as well. A share the policy says hides nothing is not asked. Counted in
 * questions, not time.
 */
class HiddenNamesAskedTest {
    private static final int AT_REMOVEDIR = 0x200;

    @TempDir
    Path tmp;

    /** Everything allowed; the share "hiding" hides "vault" in its root, "plain" hides nothing. */
    private static final class CountingPolicy extends AllowingPolicy {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public List<String> hiddenNamesIn(String vm, String share, String dir) {
            asked.incrementAndGet();
            return share.equals("hiding") && dir.isEmpty() ? List.of("vault") : List.of();
        }

        @Override
        public boolean hidesNamesIn(String vm, String share) {
            return share.equals("hiding");
        }

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            return !(share.equals("hiding") && path.equals("vault"));
        }
    }

    private static Path tree(Path share) throws Exception {
        Files.createDirectories(share.resolve("a"));
        Files.createDirectories(share.resolve("vault"));
        Files.createDirectories(share.resolve("empty"));
        return share;
    }

    @Test
    void aShareThatHidesNothingIsNotAskedForHiddenNames() throws Exception {
        CountingPolicy policy = new CountingPolicy();
        Map<String, Path> shares = Map.of("plain", tree(tmp.resolve("plain")), "hiding", tree(tmp.resolve("hiding")));
        try (ShareServerFactory factory = new ShareServerFactory(shares, policy, new NoAudit());
                TestSession plain = TestSession.attached(factory, "vm-test", Dialect.L, "plain");
                TestSession hiding = TestSession.attached(factory, "vm-test", Dialect.L, "hiding")) {
            for (int i = 0; i < 10; i++) {
                assertEquals(5, plain.getattr(TestSession.ROOT).attr().nlink(), "a, vault and empty: 2 + 3");
            }
            plain.call(new TMessage.Tunlinkat(TestSession.ROOT, "empty", AT_REMOVEDIR));
            assertEquals(0, policy.asked.get(), "questions for a share that hides nothing");

            assertEquals(4, hiding.getattr(TestSession.ROOT).attr().nlink(), "vault left out");
            assertEquals(1, policy.asked.get(), "a share that hides names is still asked");
        }
    }
}
