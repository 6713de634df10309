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
    private static final class CountingPolicy implements AccessPolicy {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public Decision decide(AccessRequest request) {
            return Decision.allow(List.of("test"));
        }

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            asked.incrementAndGet();
            return !path.substring(path.lastIndexOf('/') + 1).startsWith("h-");
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
