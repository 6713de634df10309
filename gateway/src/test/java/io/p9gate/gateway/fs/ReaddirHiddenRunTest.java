package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory holding a long run of names the VM may not see: one Treaddir reads past a bounded number of them
 * (the work of one request stays small, R-ROB-2), the listing still ends, and no hidden name is ever shown
 * (R-POL-4). Counted in policy questions per request, not in time.
 */
class ReaddirHiddenRunTest {
    private static final int HIDDEN = 3000;
    private static final int COUNT = 8192;

    @TempDir
    Path tmp;

    /** Everything allowed; names starting with "h-" are not listed. Counts the listing questions. */
    private static final class HidingPolicy extends AllowingPolicy {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            asked.incrementAndGet();
            return !path.substring(path.lastIndexOf('/') + 1).startsWith("h-");
        }
    }

    @Test
    void aRunOfHiddenNamesIsCrossedInBoundedStepsAndNeverShown() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        for (int i = 0; i < HIDDEN; i++) {
            Files.createFile(dir.resolve("h-" + i));
        }
        Files.createFile(dir.resolve("shown"));
        HidingPolicy policy = new HidingPolicy();
        try (ShareServerFactory factory = TestSession.factory(share, policy, new NoAudit());
                TestSession s = TestSession.attached(factory)) {
            s.walk(0, 1, "d");
            s.lopen(1, 0);
            Set<String> names = new HashSet<>();
            int mostAsked = 0;
            int requests = 0;
            long offset = 0;
            while (true) {
                int before = policy.asked.get();
                List<DirEntry> entries = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(1, offset, COUNT))
                        .entries();
                mostAsked = Math.max(mostAsked, policy.asked.get() - before);
                requests++;
                if (entries.isEmpty()) {
                    break;
                }
                entries.forEach(e -> names.add(e.name()));
                offset = entries.getLast().offset();
                assertTrue(requests < HIDDEN, "the listing ends");
            }
            assertEquals(Set.of(".", "..", "shown"), names, "no hidden name, the visible one found");
            assertTrue(
                    mostAsked <= VisibleEntries.MAX_QUESTIONS,
                    "one Treaddir looked at " + mostAsked + " of " + HIDDEN + " entries");
        }
    }
}
