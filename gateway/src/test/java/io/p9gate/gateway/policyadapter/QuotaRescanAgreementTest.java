package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.quota.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-6 "correct after restart", as an invariant: after any mix of guest operations (creates with and
 * without O_EXCL/O_TRUNC/O_APPEND, writes (past the end, inside, appending), truncates, hard links, renames of files and directories, unlinks of open
 * files, Tremove, mkdir) the live accounting of every scope equals what a restart's scan measures.
 * Scopes: the whole share, /a, /a/deep (nested), /b; /a/h has a host-made second name /c/h.
 */
class QuotaRescanAgreementTest {
    private static final String VM = "alpha";
    private static final int ROOT = TestSession.ROOT;
    private static final int O_RDWR = 2;
    private static final int P9_EXCL = 0200;
    private static final int P9_TRUNC = 01000;
    private static final int P9_APPEND = 02000;
    private static final int AT_REMOVEDIR = 0x200;
    private static final String[] NAMES = {"a", "b", "c", "f", "g", "deep", "h"};

    @TempDir
    Path tmp;

    Path data;
    QuotaPolicyRig rig;
    PolicyQuotas quotas;
    TestSession s;
    final List<Integer> open = new ArrayList<>();
    final Random random = new Random(8);
    int nextFid = 100;

    @BeforeEach
    void setUp() throws Exception {
        data = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(data.resolve("a/deep"));
        Files.createDirectories(data.resolve("b"));
        Files.createDirectories(data.resolve("c"));
        Files.write(data.resolve("a/deep/x"), new byte[100]);
        Files.write(data.resolve("a/h"), new byte[300]);
        Files.createLink(data.resolve("c/h"), data.resolve("a/h"));
        rig = new QuotaPolicyRig(
                tmp,
                VM,
                data,
                "{bytes: 1GiB, inodes: 100000}",
                "{path: /a, bytes: 1GiB, inodes: 100000}",
                "{path: /a/deep, bytes: 1GiB, inodes: 12}",
                "{path: /b, bytes: 20000, inodes: 100000}");
        quotas = rig.quotas;
        s = TestSession.open(rig.shares, rig.listener);
        s.call(new TMessage.Tattach(ROOT, TMessage.NOFID, "root", "data", 0));
    }

    @AfterEach
    void tearDown() {
        if (s != null) {
            s.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    private Map<String, Usage> rescanned() {
        return new PolicyQuotas(rig.holder.current()).usage(VM);
    }

    @Test
    void liveUsageEqualsARescanAfterRandomOperations() throws Exception {
        for (int round = 0; round < 8; round++) {
            for (int i = 0; i < 150; i++) {
                tolerated(this::step);
            }
            closeAll();
            assertEquals(rescanned(), quotas.usage(VM), "after round " + round);
        }
    }

    @Test
    void aReloadKeepsCountingUnlinkedFilesStillOpen() throws Exception {
        int dir = walkTo("a");
        int file = walkTo("a");
        s.lcreate(file, "held", O_RDWR, 0644);
        assertEquals(5000, s.write(file, 0, new byte[5000]));
        s.expect(RMessage.Runlinkat.class, new TMessage.Tunlinkat(dir, "held", 0));

        quotas.rebuild(rig.holder.current());
        Usage live = quotas.usage(VM).get("vm.alpha.share.data.quotas[1]");
        Usage scanned = rescanned().get("vm.alpha.share.data.quotas[1]");
        assertEquals(new Usage(scanned.bytes() + 5000, scanned.inodes() + 1), live);
        assertEquals(3000, s.write(file, 5000, new byte[3000]), "the open file still grows, counted");

        s.clunk(file);
        assertEquals(rescanned(), quotas.usage(VM));
    }

    /** Writers append to a file while it is renamed back and forth between /c and /a: counted where it is. */
    @Test
    void writesRacingRenamesBetweenScopesAreCountedWhereTheFileIs() throws Exception {
        int c = walkTo("c");
        int a = walkTo("a");
        int file = walkTo("c");
        s.lcreate(file, "moving", O_RDWR, 0644);
        int writers = 3;
        int chunk = 64;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 400; i++) {
                        s.write(file, (long) (i * writers + writer) * chunk, new byte[chunk]);
                    }
                    return null;
                }));
            }
            done.add(pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    boolean inC = i % 2 == 0;
                    s.expect(
                            RMessage.Rrenameat.class,
                            new TMessage.Trenameat(inC ? c : a, "moving", inC ? a : c, "moving"));
                }
                return null;
            }));
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        closeAll();
        s.clunk(file);
        assertEquals(rescanned(), quotas.usage(VM));
    }

    // ------------------------------------------------------------------ random guest operations

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Any refusal is fine (the invariant is about what happened); EIO would hide a fault. */
    private static void tolerated(Step step) throws Exception {
        try {
            step.run();
        } catch (P9Exception e) {
            assertNotEquals(Errno.EIO, e.errno(), e.getMessage());
        }
    }

    private void step() throws Exception {
        switch (random.nextInt(11)) {
            case 0, 1 -> create();
            case 2, 3 -> write();
            case 4 -> truncate();
            case 5 -> link();
            case 6, 7 -> rename();
            case 8 -> unlink();
            case 9 -> mkdir();
            default -> closeOne();
        }
    }

    private void create() throws Exception {
        int fid = walkTo(pick(dirs()));
        int flags = O_RDWR
                | (random.nextBoolean() ? P9_TRUNC : 0)
                | (random.nextInt(3) == 0 ? P9_EXCL : 0)
                | (random.nextInt(3) == 0 ? P9_APPEND : 0); // the write's size after is computed, not stated
        try {
            s.expect(RMessage.Rlcreate.class, new TMessage.Tlcreate(fid, pick(NAMES), flags, 0644, 0));
            open.add(fid);
        } catch (P9Exception e) {
            s.clunk(fid);
            throw e;
        }
    }

    private void write() throws Exception {
        if (open.isEmpty()) {
            create();
            return;
        }
        s.write(pick(open), random.nextInt(4000), new byte[1 + random.nextInt(3000)]);
    }

    private void truncate() throws Exception {
        if (!open.isEmpty()) {
            s.call(new TMessage.Tsetattr(
                    pick(open), new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, random.nextInt(5000), 0, 0, 0, 0)));
        }
    }

    private void link() throws Exception {
        List<String> files = entries().stream()
                .filter(p -> !Files.isDirectory(data.resolve(p)))
                .toList();
        if (!files.isEmpty()) {
            int target = walkTo(pick(files));
            int dir = walkTo(pick(dirs()));
            thenClunk(() -> s.call(new TMessage.Tlink(dir, target, pick(NAMES))), target, dir);
        }
    }

    private void rename() throws Exception {
        List<String> all = entries();
        if (all.isEmpty()) {
            return;
        }
        String entry = pick(all);
        int dir = walkTo(pick(dirs()));
        boolean byFid = random.nextBoolean();
        int from = walkTo(byFid ? entry : parentOf(entry));
        thenClunk(
                () -> s.call(
                        byFid
                                ? new TMessage.Trename(from, dir, pick(NAMES))
                                : new TMessage.Trenameat(from, nameOf(entry), dir, pick(NAMES))),
                from,
                dir);
    }

    private void unlink() throws Exception {
        List<String> all = entries();
        if (all.isEmpty()) {
            return;
        }
        String entry = pick(all);
        if (random.nextBoolean()) {
            s.call(new TMessage.Tremove(walkTo(entry))); // clunks the fid, whatever the outcome
            return;
        }
        int parent = walkTo(parentOf(entry));
        int flags = Files.isDirectory(data.resolve(entry)) ? AT_REMOVEDIR : 0;
        thenClunk(() -> s.call(new TMessage.Tunlinkat(parent, nameOf(entry), flags)), parent);
    }

    private void mkdir() throws Exception {
        int dir = walkTo(pick(dirs()));
        thenClunk(() -> s.call(new TMessage.Tmkdir(dir, pick(NAMES), 0755, 0)), dir);
    }

    /** Runs {@code request}, then clunks the fids walked for it. */
    private void thenClunk(Step request, int... fids) throws Exception {
        try {
            request.run();
        } finally {
            for (int fid : fids) {
                s.clunk(fid);
            }
        }
    }

    private void closeOne() throws Exception {
        if (!open.isEmpty()) {
            s.clunk(open.remove(random.nextInt(open.size())));
        }
    }

    private void closeAll() throws Exception {
        for (int fid : open) {
            s.clunk(fid);
        }
        open.clear();
    }

    private int walkTo(String path) throws P9Exception {
        int fid = nextFid++;
        s.walk(ROOT, fid, path.isEmpty() ? new String[0] : path.split("/"));
        return fid;
    }

    private List<String> entries() throws Exception {
        try (Stream<Path> all = Files.walk(data)) {
            return all.filter(p -> !p.equals(data))
                    .map(p -> data.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    private List<String> dirs() throws Exception {
        List<String> out = new ArrayList<>(List.of(""));
        entries().stream().filter(p -> Files.isDirectory(data.resolve(p))).forEach(out::add);
        return out;
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private String pick(String[] from) {
        return from[random.nextInt(from.length)];
    }
}
