package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
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
 * Red team of a Treaddir's host read through its thread's 64 KiB getdents64 buffer (backend.DirentBuffer): a count
 * above the buffer is filled by several getdents64 calls, and the visibility filter reads on past hidden names. At
 * counts around the buffer's size and up to the msize, over 255-byte names (a dirent of 280 bytes, 279 on the wire)
 * and short ones, half of them hidden, every shown name is listed exactly once and no hidden one at all; a directory
 * changed between two Treaddirs of a listing repeats no name and loses none of those that stayed; a 9P2000.u
 * directory read at msize 1 MiB, whose host reads the session does not hold to 64 KiB, lists as a Treaddir does
 * (no defect found).
 */
class DirentBufferFillAttackTest {
    private static final int O_RDONLY = 0;
    private static final String LONG = "x".repeat(240);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {65535, 65536, 65537, 200_000, TestSession.MSIZE - 11})
    void everyShownNameOnceAtCountsAroundTheBuffer(int count) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        Set<String> shown = new TreeSet<>(List.of(".", ".."));
        for (int i = 0; i < 700; i++) {
            shown.add(create(dir, pad("s-" + LONG + "-", i)));
            shown.add(create(dir, "s-" + i));
            create(dir, pad("h-" + LONG + "-", i));
            create(dir, "h-" + i);
        }
        try (ShareServerFactory factory =
                        TestSession.factory(share, new ReaddirCookieAttackTest.HidingPolicy(), new NoAudit());
                TestSession s = TestSession.attached(factory)) {
            List<String> names = listing(s, count, () -> {});
            assertEquals(shown.size(), names.size(), "count " + count + ": a name listed twice or lost");
            assertEquals(shown, new TreeSet<>(names), "count " + count);
        }
    }

    @Test
    void aDirectoryChangedBetweenReadsRepeatsNothingAndLosesNoStayingName() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path dir = Files.createDirectories(share.resolve("d"));
        Set<String> staying = new TreeSet<>(List.of(".", ".."));
        List<Path> going = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            staying.add(create(dir, pad("s-" + LONG + "-", i)));
            going.add(dir.resolve(create(dir, pad("s-gone-" + LONG + "-", i))));
            create(dir, pad("h-" + LONG + "-", i));
        }
        int[] round = {0};
        try (ShareServerFactory factory =
                        TestSession.factory(share, new ReaddirCookieAttackTest.HidingPolicy(), new NoAudit());
                TestSession s = TestSession.attached(factory)) {
            List<String> names = listing(s, 65537, () -> {
                // Between two Treaddirs: names come and go, shown and hidden, long and short.
                for (int i = 0; i < 150; i++) {
                    create(dir, pad("s-new-" + round[0] + "-" + LONG + "-", i));
                    create(dir, "h-new-" + round[0] + "-" + i);
                    if (!going.isEmpty()) {
                        Files.delete(going.removeLast());
                    }
                }
                round[0]++;
            });
            assertTrue(round[0] > 2, "the listing took several Treaddirs: " + round[0]);
            assertEquals(names.size(), new HashSet<>(names).size(), "a name listed twice");
            assertTrue(new HashSet<>(names).containsAll(staying), "a name that stayed was lost");
            assertTrue(names.stream().noneMatch(n -> n.startsWith("h-")), "a hidden name listed");
        }
    }

    /**
     * A 9P2000.u directory read at msize 1 MiB asks the host for half its count (~512 KiB, StatOps.readDirectory):
     * the session does not hold it to Treaddir's 64 KiB, so it is the read that fills a count over several
     * getdents64 calls through the real session. Every shown name once, no hidden one.
     */
    @Test
    void aDotUDirectoryReadAtTheMsizeListsEveryShownNameOnce() throws Exception {
        Path shares = Files.createDirectories(tmp.resolve("shares"));
        Path dir = Files.createDirectories(shares.resolve("data/pub"));
        Set<String> shown = new TreeSet<>(List.of(".", ".."));
        StringBuilder hidden = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            shown.add(create(dir, pad("s-" + LONG + "-", i)));
            shown.add(create(dir, "s-" + i));
        }
        for (int i = 0; i < 300; i++) {
            hidden.append(i == 0 ? "" : ", ").append("/pub/").append(create(dir, pad("h-" + LONG + "-", i)));
        }
        try (HostShareGateway gw = HostShareGateway.serving(
                        tmp, List.of(new HostShareGateway.Share("data", dir.getParent(), "hidden: [" + hidden + "]")));
                P9Client dotU = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), GatewayConfig.DEFAULT_MSIZE)) {
            int msize = dotU.version(GatewayConfig.DEFAULT_MSIZE, Dialect.U.version())
                    .msize();
            dotU.attach(0, "root", "data", 0);
            dotU.walk(0, 1, "pub");
            dotU.rpc(new TMessage.Topen(1, 0));
            List<String> names = new ArrayList<>();
            int reads = 0;
            for (long offset = 0; ; reads++) {
                assertTrue(reads < 1_000, "the listing ends");
                byte[] read = dotU.read(1, offset, msize - 11);
                if (read.length == 0) {
                    break;
                }
                offset += read.length;
                names.addAll(StatEntryNames.of(read));
            }
            assertEquals(shown.size(), names.size(), "a name listed twice or lost (" + reads + " reads)");
            assertEquals(shown, new TreeSet<>(names));
        }
    }

    private interface Between {
        void run() throws Exception;
    }

    /** Every name of /d, read {@code count} bytes at a time from the cookie of the last entry of each reply. */
    private static List<String> listing(TestSession s, int count, Between between) throws Exception {
        s.walk(0, 1, "d");
        s.lopen(1, O_RDONLY);
        List<String> names = new ArrayList<>();
        long offset = 0;
        for (int round = 0; round < 1_000; round++) {
            List<DirEntry> entries = s.expect(RMessage.Rreaddir.class, new TMessage.Treaddir(1, offset, count))
                    .entries();
            if (entries.isEmpty()) {
                s.clunk(1);
                return names;
            }
            entries.forEach(e -> names.add(e.name()));
            offset = entries.getLast().offset();
            between.run();
        }
        throw new AssertionError("the listing never ended: " + names.size() + " names");
    }

    private static String create(Path dir, String name) throws Exception {
        Files.createFile(dir.resolve(name));
        return name;
    }

    /** {@code prefix + i}, padded with 'y' to a 255-byte name. */
    private static String pad(String prefix, int i) {
        String name = prefix + i;
        return name + "y".repeat(255 - name.length());
    }
}
