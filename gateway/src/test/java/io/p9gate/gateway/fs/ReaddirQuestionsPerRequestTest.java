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
 * Every entry a Treaddir lists is asked of the policy ({@code visible}), which with hand-written Cedar is a Cedar
 * evaluation (~135 us each, measured; the decision cache misses on a directory of fresh names). The questions
 * grew with the guest's count: one Treaddir of 512 KiB asked about ~20,000 short names, and with runs of hidden
 * names 4 batches of them, ~80,000: 3-10 s of CPU for one cheap request (R-ROB-2). Bound: however large the count,
 * one Treaddir asks at most {@link VisibleEntries#MAX_QUESTIONS} questions, and the listing is still complete and
 * never shows a hidden name. Counted in questions, not time.
 */
class ReaddirQuestionsPerRequestTest {
    private static final int ENTRIES = 3000;
    /** Room for every entry of the directory in one reply. */
    private static final int COUNT = 256 * 1024;

    @TempDir
    Path tmp;

    /** Everything allowed; names starting with "h-" are not listed. Counts the listing questions. */
    private static final class CountingPolicy extends AllowingPolicy {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            asked.incrementAndGet();
            return !path.substring(path.lastIndexOf('/') + 1).startsWith("h-");
        }
    }

    /**
     * A 9P2000.u directory read describes its entries: it asked {@code visible} (WALK) and then {@code describable}
     * (WALK again, GETATTR) of each, three Cedar evaluations an entry, ~1,536 for a Tread of 512 entries (~210 ms of
     * hand-written Cedar). Now one {@code shown} question an entry (WALK, and GETATTR if WALK is allowed: at most two
     * evaluations, counted here as asked), and at most {@link VisibleEntries#MAX_QUESTIONS} evaluations a Tread.
     */
    @Test
    void aDescribingDirectoryReadAsksOneQuestionPerEntryWithinTheBound() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        for (int i = 0; i < 1000; i++) {
            Files.createFile(dir.resolve("v-" + i));
        }
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger evaluations = new AtomicInteger();
        AccessPolicy policy = new AccessPolicy() {
            @Override
            public Decision decide(AccessRequest request) {
                return Decision.allow(List.of("test"));
            }

            @Override
            public boolean visible(String vm, String share, String path, int uid, int gid) {
                calls.incrementAndGet();
                evaluations.incrementAndGet(); // WALK
                return true;
            }

            @Override
            public boolean describable(String vm, String share, String path, int uid, int gid) {
                calls.incrementAndGet();
                evaluations.addAndGet(2); // WALK, GETATTR
                return true;
            }

            @Override
            public Shown shown(String vm, String share, String path, int uid, int gid) {
                calls.incrementAndGet();
                evaluations.addAndGet(2); // WALK, GETATTR
                return Shown.DESCRIBED;
            }
        };
        try (ShareServerFactory factory = TestSession.factory(share, policy, new NoAudit());
                TestSession s = TestSession.attached(factory, io.p9gate.policy.dialect.Dialect.U)) {
            s.walk(0, 1, "d");
            s.expect(RMessage.Ropen.class, new TMessage.Topen(1, 0));
            Set<String> names = new HashSet<>();
            long offset = 0;
            int mostEvaluations = 0;
            for (int requests = 0; ; requests++) {
                assertTrue(requests < 1000, "the listing ends");
                int callsBefore = calls.get();
                int before = evaluations.get();
                var entries = s.expect(RMessage.Rdirread.class, new TMessage.Tread(1, offset, COUNT))
                        .entries();
                if (entries.isEmpty()) {
                    break;
                }
                int judged = entries.size();
                assertEquals(judged, calls.get() - callsBefore, "one question per entry shown (. and .. included)");
                mostEvaluations = Math.max(mostEvaluations, evaluations.get() - before);
                entries.forEach(e -> names.add(e.common().name()));
                offset += entries.stream().mapToLong(e -> e.wireSize()).sum();
            }
            assertEquals(1002, names.size(), "every entry, . and .. included");
            assertTrue(mostEvaluations <= 512 + 4, "one Tread asked " + mostEvaluations + " Cedar evaluations");
        }
    }

    @Test
    void oneTreaddirAsksABoundedNumberOfQuestionsWhateverItsCount() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        Set<String> expected = new HashSet<>(Set.of(".", ".."));
        for (int i = 0; i < ENTRIES; i++) {
            Files.createFile(dir.resolve("v-" + i));
            Files.createFile(dir.resolve("h-" + i));
            expected.add("v-" + i);
        }
        CountingPolicy policy = new CountingPolicy();
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
                assertTrue(requests < 2 * ENTRIES, "the listing ends");
            }
            assertEquals(expected, names, "every visible name, no hidden one");
            assertTrue(
                    mostAsked <= 512, "one Treaddir asked " + mostAsked + " questions of " + 2 * ENTRIES + " entries");
        }
    }
}
