package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenFile;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.DevShm;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red team (R-POL-4, hidden entries absent from readdir): Treaddir's cookies were the host's d_off, and a
 * dirent's d_off is the position of the entry that follows it. On ext4 (hash-ordered directories) that position
 * is the hash of the next entry's name, with one seed for the whole filesystem; on tmpfs it counts entries, so the
 * gap between two cookies counted the hidden entries between them. Rewriting each cookie to the next shown entry's
 * start was not enough: the guest's offset went to the host as sent, so a shown cookie + 1 landed inside a hidden
 * run, whose "." reply carried a hidden entry's start (6 of 7 such replies), and "count fits no entry" was decided
 * on the first host entry, hidden or not (EINVAL at 60 of 60 hidden starts: a hidden name's length, and by binary
 * search its exact hash). Now no cookie the guest sees is a host position at all (a keyed permutation of them), and
 * only a shown entry can make a count too small.
 */
class ReaddirCookieAttackTest {
    private static final int O_RDONLY = 0;
    private static final int VISIBLE = 700;
    private static final int HIDDEN = 300;

    @TempDir
    Path tmp;

    /** ext4 (hash cookies) under the test's temporary directory; tmpfs (counting cookies) in /dev/shm. */
    @ParameterizedTest
    @ValueSource(strings = {"tmp", "shm"})
    void noCookieIsAHostPosition(String where) throws Exception {
        Path base = base(where);
        try {
            Path dir = Files.createDirectories(base.resolve("shares/data/pub"));
            Set<String> visible = new TreeSet<>(List.of(".", ".."));
            StringBuilder hidden = new StringBuilder();
            for (int i = 0; i < VISIBLE; i++) {
                Files.writeString(dir.resolve("visible-" + i), "v");
                visible.add("visible-" + i);
            }
            for (int i = 0; i < HIDDEN; i++) {
                Files.writeString(dir.resolve("hidden-" + i), "h");
                hidden.append(i == 0 ? "" : ", ").append("/pub/hidden-").append(i);
            }
            Set<Long> host = hostPositions(dir);
            assertTrue(host.size() > VISIBLE, "the host lists every entry: " + host.size());
            try (HostShareGateway gw = HostShareGateway.serving(
                            tmp,
                            List.of(new HostShareGateway.Share("data", dir.getParent(), "hidden: [" + hidden + "]")));
                    P9Client guest = gw.attached("data", 0)) {
                List<Long> probes = new ArrayList<>();
                for (int count : new int[] {1 << 16, 100, 64}) {
                    List<DirEntry> seen = listing(guest, count);
                    List<String> names = seen.stream().map(DirEntry::name).toList();
                    assertEquals(visible, new TreeSet<>(names), "count " + count + ": " + names);
                    assertEquals(visible.size(), names.size(), "count " + count + ", an entry twice: " + names);
                    for (DirEntry e : seen) {
                        assertOpaque(host, e, "count " + count);
                        probes.add(e.offset());
                    }
                }
                // A cookie the gateway never gave: one past a shown entry's, which a host seek would put inside
                // the hidden run after it.
                guest.walk(0, 1, "pub");
                guest.lopen(1, O_RDONLY);
                for (long cookie : probes.subList(0, Math.min(probes.size(), 400))) {
                    for (DirEntry e : guest.readdir(1, cookie + 1, 100)) {
                        assertTrue(visible.contains(e.name()), "a hidden name listed: " + e.name());
                        assertOpaque(host, e, "at " + cookie + " + 1");
                    }
                }
            }
        } finally {
            if (!base.equals(tmp)) {
                DevShm.delete(base);
            }
        }
    }

    /** Names starting with "h-" are not listed; everything else is allowed (DirentBufferFillAttackTest too). */
    static final class HidingPolicy implements AccessPolicy {
        @Override
        public Decision decide(AccessRequest request) {
            return Decision.allow(List.of("test"));
        }

        @Override
        public boolean visible(String vm, String share, String path, int uid, int gid) {
            return !path.substring(path.lastIndexOf('/') + 1).startsWith("h-");
        }
    }

    /**
     * A count too small for the first host entry was refused (EINVAL) even when that entry was hidden: a guest
     * learned whether the hidden name at a position was longer than its count. Here one shown name among 1,500
     * hidden names of 200 bytes, listed 64 bytes at a time: a run of hidden names longer than one request's 512
     * questions is crossed at a cookie inside it, where the next request starts on a hidden long name.
     */
    @Test
    void aLongHiddenNameNeverRefusesACountThatFitsTheShownOnes() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        String longName = "h-" + "x".repeat(200);
        for (int i = 0; i < 1500; i++) {
            Files.createFile(dir.resolve(longName + i));
        }
        Files.createFile(dir.resolve("shown"));
        try (ShareServerFactory factory = TestSession.factory(share, new HidingPolicy(), new NoAudit());
                TestSession s = TestSession.attached(factory)) {
            s.walk(0, 1, "d");
            s.lopen(1, O_RDONLY);
            List<String> names = new ArrayList<>();
            long offset = 0;
            for (int round = 0; ; round++) {
                assertTrue(round < 10_000, "the listing ends");
                List<DirEntry> entries = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(1, offset, 64))
                        .entries();
                if (entries.isEmpty()) {
                    break;
                }
                entries.forEach(e -> names.add(e.name()));
                offset = entries.getLast().offset();
            }
            assertEquals(Set.of(".", "..", "shown"), new HashSet<>(names), names.toString());
            // A count that fits no shown entry is still refused: "." takes 25 bytes.
            assertEquals(Errno.EINVAL, s.fails(new TMessage.Treaddir(1, 0, 20)));
        }
    }

    /**
     * Hidden names' lengths must not shape a reply either. One Treaddir crossed 4 batches of {@code count} bytes of
     * hidden names alone before it answered the directory's "." there: from one offset, a count of 64 answered "."
     * (4 hidden names crossed) where 4096 crossed ~280 and answered the shown entry, so counts measured the hidden
     * names in bytes. Now only the 512 questions of a request bound a run: from any offset (the guest's, which is a
     * host position it cannot know), every count answers with the same first entry.
     */
    @Test
    void theCountNeverMeasuresHiddenNames() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        for (int i = 0; i < 400; i++) {
            Files.createFile(dir.resolve("h-" + "x".repeat(30) + i));
        }
        Files.createFile(dir.resolve("shown"));
        try (ShareServerFactory factory = TestSession.factory(share, new HidingPolicy(), new NoAudit());
                TestSession s = TestSession.attached(factory)) {
            s.walk(0, 1, "d");
            s.lopen(1, O_RDONLY);
            java.util.Random random = new java.util.Random(15);
            int differing = 0;
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long offset = random.nextLong() >>> 1;
                String small = first(s, offset, 64);
                String large = first(s, offset, 4096);
                seen.add(small + "/" + large);
                if (!small.equals(large)) {
                    differing++;
                }
            }
            assertEquals(0, differing, "offsets whose first entry depends on the count: " + seen);
        }
    }

    private static String first(TestSession s, long offset, int count) throws Exception {
        List<DirEntry> entries = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(1, offset, count))
                .entries();
        return entries.isEmpty() ? "(end)" : entries.getFirst().name();
    }

    private static void assertOpaque(Set<Long> host, DirEntry e, String context) {
        assertFalse(
                host.contains(e.offset()),
                context + ": the cookie of " + e.name() + " is a host position (" + e.offset() + ")");
        assertTrue(e.offset() > 0, context + ": the cookie of " + e.name() + " is " + e.offset());
    }

    private Path base(String where) throws Exception {
        return where.equals("tmp") ? tmp : DevShm.directory("p9gate-cookies");
    }

    /** Every d_off the host gives for {@code dir}'s entries: where each entry after the first starts, and the end. */
    private static Set<Long> hostPositions(Path dir) throws Exception {
        Set<Long> out = new HashSet<>();
        try (LocalShare share = LocalShare.open("host", dir, new QidMapper());
                Node root = share.root().root();
                OpenFile file = share.io().open(root, O_RDONLY)) {
            long offset = 0;
            while (true) {
                List<DirEntry> batch = share.dirs().read(file, offset, 1 << 16);
                if (batch.isEmpty()) {
                    return out;
                }
                batch.forEach(e -> out.add(e.offset()));
                offset = batch.getLast().offset();
            }
        }
    }

    /** Every entry of /pub, read {@code count} bytes at a time from the cookie of the last entry of each reply. */
    private static List<DirEntry> listing(P9Client guest, int count) throws Exception {
        guest.walk(0, 1, "pub");
        guest.lopen(1, O_RDONLY);
        List<DirEntry> out = new ArrayList<>();
        long offset = 0;
        for (int round = 0; round < 10_000; round++) {
            List<DirEntry> batch = guest.readdir(1, offset, count);
            if (batch.isEmpty()) {
                guest.clunk(1);
                return out;
            }
            out.addAll(batch);
            offset = batch.getLast().offset();
        }
        throw new AssertionError("the listing never ended: " + out.size() + " entries");
    }
}
