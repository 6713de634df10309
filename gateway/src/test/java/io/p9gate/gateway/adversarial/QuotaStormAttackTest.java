package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Four connections of one VM mix, on the same few names of a 2 MiB scope, every request that changes usage:
 * writes at random and huge offsets, truncates and extensions through Tsetattr, O_TRUNC opens, exclusive
 * creates, links, unlinks, renames inside the scope and across its boundary, renames of a directory whose file is
 * being written, symlinks, fifos (Tmknod), xattrs, and fids held open on files other connections unlink. Stopped
 * with the held fids still open, the host's bytes in the scope plus those of the unlinked files still held there
 * must be within what the gateway counts (else the VM holds more than its quota); every fid closed, the count must
 * be what a restart would find.
 */
class QuotaStormAttackTest {
    private static final String[] NAMES = {"a", "b", "c", "d"};
    private static final int CONNECTIONS = 4;
    private static final int REQUESTS = 1500;
    private static final int O_TRUNC = 01000;
    private static final int O_EXCL = 0200;
    private static final int S_IFIFO = 0010000;
    private static final int CACHE = 1;
    private static final int OUT = 2;
    private static final int FID = 3;
    private static final int HELD = 100;
    private static final int HOLDS = 3;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway("{path: /work/cache, bytes: 2MiB, inodes: 60}");

    @Test
    void theCountStaysAtOrAboveTheDiskAndEndsAtARestartsCount() throws Exception {
        Files.createDirectories(target.share.resolve("work/out"));
        Files.createDirectories(target.scope.resolve("sub"));
        target.start();
        List<P9Client> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(target.connect());
        }
        QuotaAttackGateway.storm(clients, QuotaStormAttackTest::storm);

        long onDisk = target.hostBytesInScope() + heldUnlinkedBytesIn(target.scope);
        long counted = target.usageNow().bytes();
        assertTrue(onDisk <= counted, onDisk + " bytes on disk in the scope, " + counted + " counted");

        QuotaAttackGateway.clunkAll(clients, HELD, HOLDS);
        assertEquals(target.usageAfterRestart(), target.usageNow());
    }

    private static void storm(P9Client c, Random r) throws Exception {
        c.walk(ROOT, CACHE, "work", "cache");
        c.walk(ROOT, OUT, "work", "out");
        for (int i = 0; i < REQUESTS; i++) {
            String n = NAMES[r.nextInt(NAMES.length)];
            String m = NAMES[r.nextInt(NAMES.length)];
            int held = HELD + r.nextInt(HOLDS);
            try {
                switch (r.nextInt(16)) {
                    case 0 ->
                        throughFid(c, n, f -> {
                            c.lopen(f, O_RDWR);
                            c.write(f, r.nextInt(1 << 20), new byte[4096 * (1 + r.nextInt(8))]);
                        });
                    case 1 -> throughFid(c, n, f -> c.setattr(f, size(r.nextInt(3 << 20))));
                    case 2 ->
                        throughFid(c, n, f -> {
                            c.lopen(f, O_RDWR | O_TRUNC);
                            c.write(f, 0, new byte[r.nextInt(65536)]);
                        });
                    case 3 -> {
                        c.walk(CACHE, FID);
                        try {
                            c.lcreate(FID, n, O_RDWR | O_EXCL, 0644, 0);
                            c.write(FID, 0, new byte[r.nextInt(65536)]);
                        } finally {
                            c.clunk(FID);
                        }
                    }
                    case 4 ->
                        throughFid(c, n, f -> {
                            c.lopen(f, O_RDWR);
                            long far = r.nextBoolean() ? 1L << 40 : (2L << 20) - r.nextInt(8192);
                            c.write(f, far, new byte[4096]);
                        });
                    case 5 -> throughFid(c, n, f -> c.link(CACHE, f, m));
                    case 6 -> c.unlinkat(CACHE, n, 0);
                    case 7 -> c.renameat(CACHE, n, CACHE, m);
                    case 8 -> {
                        if (r.nextBoolean()) {
                            c.renameat(CACHE, n, OUT, m);
                        } else {
                            c.renameat(OUT, n, CACHE, m);
                        }
                    }
                    case 9 -> c.symlink(CACHE, n, "t".repeat(1 + r.nextInt(4000)), 0);
                    case 10 -> c.rpc(new TMessage.Tmknod(CACHE, n, S_IFIFO | 0644, 0, 0, 0));
                    case 11 ->
                        throughFid(c, n, f -> {
                            int bytes = 1 + r.nextInt(3000);
                            c.rpc(new TMessage.Txattrcreate(f, "user.x" + r.nextInt(3), bytes, 0));
                            c.write(f, 0, new byte[bytes]);
                        });
                    case 12 -> {
                        boolean there = r.nextBoolean();
                        c.renameat(CACHE, there ? "sub" : "sub2", CACHE, there ? "sub2" : "sub");
                    }
                    case 13 -> {
                        c.walk(CACHE, FID, r.nextBoolean() ? "sub" : "sub2");
                        try {
                            c.lcreate(FID, n, O_RDWR, 0644, 0);
                            c.write(FID, r.nextInt(1 << 19), new byte[8192]);
                            c.setattr(FID, size(r.nextInt(1 << 19)));
                        } finally {
                            c.clunk(FID);
                        }
                    }
                    case 14 -> {
                        try {
                            c.clunk(held);
                        } catch (P9Exception e) {
                            // not in use
                        }
                        c.walk(CACHE, held, n);
                        c.lopen(held, O_RDWR);
                    }
                    default -> {
                        if (r.nextBoolean()) {
                            c.write(held, r.nextInt(1 << 20), new byte[4096 * (1 + r.nextInt(16))]);
                        } else {
                            c.setattr(held, size(r.nextInt(1 << 20)));
                        }
                    }
                }
            } catch (P9Exception e) {
                // ENOENT, EEXIST, EDQUOT, EXDEV, EAGAIN, EBADF: the race's ordinary outcomes
            }
        }
    }

    @FunctionalInterface
    private interface FidCall {
        void run(int fid) throws Exception;
    }

    /** Walks {@code name} in the scope into a fid, runs {@code call} on it, clunks it. */
    private static void throughFid(P9Client c, String name, FidCall call) throws Exception {
        c.walk(CACHE, FID, name);
        try {
            call.run(FID);
        } finally {
            c.clunk(FID);
        }
    }

    /**
     * Bytes of the distinct unlinked regular files this process holds whose last name was below {@code dir}. A
     * descriptor is known by the entry it was opened through: " (deleted)" only says that entry went, and a file with
     * another name left is on the host still (in the walk already, or elsewhere), so only one with no name counts.
     */
    private static long heldUnlinkedBytesIn(Path dir) throws IOException {
        String prefix = dir.toRealPath() + "/";
        Set<Object> seen = new HashSet<>();
        long total = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String to = Files.readSymbolicLink(fd).toString();
                    if (to.startsWith(prefix)
                            && to.endsWith(" (deleted)")
                            && Files.isRegularFile(fd)
                            && (Integer) Files.getAttribute(fd, "unix:nlink") == 0
                            && seen.add(Files.readAttributes(fd, "unix:ino").get("ino"))) {
                        total += Files.size(fd);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return total;
    }

    private static SetAttr size(long bytes) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, bytes, 0, 0, 0, 0);
    }
}
