package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.DeepTrees;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Treaddir asks the policy about each entry by its whole share path, and a guest chooses how deep its directories
 * go (beyond PATH_MAX). Bounded in questions only, one Treaddir in a directory 60 levels of 255-byte names down
 * (a 15 KB path) handed the policy 512 paths, 7.9 MB; at 200 levels (51 KB) 26 MB, which with hand-written Cedar
 * (measured: each question serialises the path for Cedar, and the decision cache holds only a few such paths) was
 * 0.5-0.8 s of CPU for one Treaddir of a 64 KiB count, against 36 us for a Tgetattr of the same directory. Now a
 * question counts once more for every {@link 4096} of the directory's path, so
 * one request hands the policy at most about {@code MAX_QUESTIONS x PATH_BYTES_PER_QUESTION} bytes of paths,
 * whatever the depth, and the listing is still complete. Counted in bytes of paths asked, not time.
 */
class DeepListingPathBytesAttackTest {
    private static final String LEVEL = "d".repeat(255);
    private static final int DEPTH = 60;
    private static final int ENTRIES = 1200;
    private static final int COUNT = 256 * 1024;
    /** What one request may hand the policy: the bound, plus the one question every request may ask. */
    private static final long MOST_BYTES = (long) VisibleEntries.MAX_QUESTIONS * VisibleEntries.PATH_BYTES_PER_QUESTION
            + (long) (LEVEL.length() + 1) * (DEPTH + 1);

    @TempDir
    Path tmp;

    /** Everything allowed and shown; counts the bytes of the paths asked about. */
    private static final class PathBytesPolicy extends AllowingPolicy {
        final AtomicLong bytes = new AtomicLong();

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            bytes.addAndGet(path.length());
            return true;
        }

        @Override
        public Shown shown(String vm, String share, String path, int uid, int gid) {
            bytes.addAndGet(2L * path.length()); // WALK, GETATTR
            return Shown.DESCRIBED;
        }
    }

    @AfterEach
    void removeTheDeepTree() throws Exception {
        DeepTrees.remove(tmp.resolve("share"));
    }

    @Test
    void aDeepTreaddirHandsThePolicyBoundedPathBytes() throws Exception {
        PathBytesPolicy policy = new PathBytesPolicy();
        try (ShareServerFactory factory = factory(policy);
                TestSession s = TestSession.attached(factory)) {
            int dir = deepDirectoryWithEntries(s);
            s.lopen(dir, 0);
            long most = mostBytesPerRequest(policy, offset -> {
                var entries = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(dir, offset, COUNT))
                        .entries();
                return new Page(
                        entries.stream().map(e -> e.name()).toList(),
                        entries.isEmpty() ? offset : entries.getLast().offset());
            });
            assertTrue(most <= MOST_BYTES, "one Treaddir handed the policy " + most + " bytes of paths");
        }
    }

    /** A 9P2000.u directory read (each entry described: two evaluations) is bounded the same way. */
    @Test
    void aDeepDescribingDirectoryReadHandsThePolicyBoundedPathBytes() throws Exception {
        PathBytesPolicy policy = new PathBytesPolicy();
        try (ShareServerFactory factory = factory(policy);
                TestSession maker = TestSession.attached(factory);
                TestSession s = TestSession.attached(factory, Dialect.U)) {
            deepDirectoryWithEntries(maker);
            List<String> path = new ArrayList<>();
            for (int level = 0; level < DEPTH; level++) {
                path.add(LEVEL);
            }
            path.add("list");
            int dir = 1;
            s.walk(0, dir, path.subList(0, 16).toArray(String[]::new));
            for (int from = 16; from < path.size(); from += 16) {
                s.walk(
                        dir,
                        dir,
                        path.subList(from, Math.min(from + 16, path.size())).toArray(String[]::new));
            }
            s.expect(RMessage.Ropen.class, new TMessage.Topen(dir, 0));
            long most = mostBytesPerRequest(policy, offset -> {
                var entries = s.expect(RMessage.Rdirread.class, new TMessage.Tread(dir, offset, COUNT))
                        .entries();
                return new Page(
                        entries.stream().map(e -> e.common().name()).toList(),
                        offset + entries.stream().mapToLong(e -> e.wireSize()).sum());
            });
            assertTrue(
                    most <= 2 * MOST_BYTES,
                    "one describing Tread handed the policy " + most + " bytes of paths (. and .. included)");
        }
    }

    /**
     * The policy is handed UTF-8 bytes, and a name of 255 bytes may be 85 characters: a path counted in characters
     * let a guest of three-byte names hand three times the bound.
     */
    @Test
    void aPathIsCountedInItsBytesNotItsCharacters() {
        String threeByteNames = "/" + "\u4e2d".repeat(85) + "/" + "\u4e2d".repeat(85); // 512 bytes, 172 characters
        String deep = threeByteNames.repeat(9); // 4,608 bytes, 1,548 characters
        assertEquals(2, VisibleEntries.questionCost(deep, false), "1 + 4,608 bytes / 4,096");
        assertEquals(4, VisibleEntries.questionCost(deep, true));
        assertEquals(1, VisibleEntries.questionCost("/" + "d".repeat(4094), false), "4,095 ASCII bytes");
    }

    /** One reply of a listing: the names it holds and the offset the next request asks from. */
    private record Page(List<String> names, long next) {}

    private interface Listing {
        Page from(long offset) throws Exception;
    }

    /**
     * Lists to the end, checking every entry is listed; the most bytes of paths one request handed the policy.
     */
    private static long mostBytesPerRequest(PathBytesPolicy policy, Listing listing) throws Exception {
        Set<String> names = new HashSet<>();
        long most = 0;
        long offset = 0;
        for (int requests = 0; ; requests++) {
            assertTrue(requests < 2 * ENTRIES, "the listing ends");
            long before = policy.bytes.get();
            Page page = listing.from(offset);
            most = Math.max(most, policy.bytes.get() - before);
            if (page.names().isEmpty()) {
                break;
            }
            names.addAll(page.names());
            offset = page.next();
        }
        assertEquals(ENTRIES + 2, names.size(), "every entry, . and .. included");
        return most;
    }

    private ShareServerFactory factory(AccessPolicy policy) throws Exception {
        return TestSession.factory(Files.createDirectories(tmp.resolve("share")), policy, new NoAudit());
    }

    /** Makes DEPTH nested directories and in the last one "list" with ENTRIES files; returns a fid of "list". */
    private static int deepDirectoryWithEntries(TestSession s) throws Exception {
        int parent = TestSession.ROOT;
        int next = 10;
        for (int level = 0; level < DEPTH; level++) {
            s.call(new TMessage.Tmkdir(parent, LEVEL, 0755, 0));
            s.walk(parent, next, LEVEL);
            if (parent != TestSession.ROOT) {
                s.clunk(parent);
            }
            parent = next++;
        }
        s.call(new TMessage.Tmkdir(parent, "list", 0755, 0));
        int list = next++;
        int file = next;
        s.walk(parent, list, "list");
        for (int i = 0; i < ENTRIES; i++) {
            s.walk(list, file);
            s.lcreate(file, "entry-" + i, 0, 0644);
            s.clunk(file);
        }
        return list;
    }
}
