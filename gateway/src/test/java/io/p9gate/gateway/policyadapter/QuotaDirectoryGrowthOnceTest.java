package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory's growth is counted once, however many of the VM's requests looked at it before and after (DirSize):
 * each request counted what the directory grew between its two looks, so a rename within one directory (its two
 * looks the same directory's) and requests in flight together in one directory (a pipelined Tmkdir window) counted
 * the same growth two or more times, and the live count drifted above what a restart's scan measures.
 */
class QuotaDirectoryGrowthOnceTest {
    private static final String LONG_NAME = "n".repeat(240);
    /** Only bounds how long a broken build takes to fail; nothing is asserted about time. */
    private static final long FAILURE_BOUND_SECONDS = 60;

    private static final int O_RDWR_CREAT = 02 | 0100;
    private static final int AT_REMOVEDIR = 0x200;

    @TempDir
    Path tmp;

    @RegisterExtension
    final AlphaQuotaSession alpha = new AlphaQuotaSession();

    QuotaPolicyRig rig;
    TestSession s;

    @BeforeEach
    void setUp() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(data.resolve("a/d"));
        alpha.open(tmp, data, "a", "d");
        rig = alpha.rig;
        s = alpha.s;
    }

    @Test
    void aRenameWithinOneDirectoryThatGrowsItIsCountedOnce() throws Exception {
        for (int i = 0; i < 40; i++) {
            s.call(new TMessage.Tmkdir(1, "s" + i, 0755, 0));
        }
        for (int i = 0; i < 40; i++) {
            s.call(new TMessage.Trenameat(1, "s" + i, 1, LONG_NAME + i));
        }
        assertTrue(alpha.rescanned().bytes() > 0, "the directory grew past its first block: " + alpha.rescanned());
        assertEquals(alpha.rescanned(), alpha.live());
    }

    @Test
    void mkdirsInFlightTogetherInOneDirectoryCountItsGrowthOnce() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        // While the first Tmkdir is between its two looks at the directory, 40 others of the VM grow it.
        Entries.whileMaking(() -> {
            if (first.compareAndSet(true, false)) {
                CompletableFuture.runAsync(() -> {
                            try {
                                for (int i = 0; i < 40; i++) {
                                    s.call(new TMessage.Tmkdir(1, LONG_NAME + i, 0755, 0));
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        })
                        .orTimeout(FAILURE_BOUND_SECONDS, TimeUnit.SECONDS)
                        .join();
            }
        });
        s.call(new TMessage.Tmkdir(1, "first", 0755, 0));
        Entries.whileMaking(null);
        assertTrue(alpha.rescanned().bytes() > 0, "the directory grew past its first block: " + alpha.rescanned());
        assertEquals(alpha.rescanned(), alpha.live());
    }

    /**
     * A directory the VM removes while another of its requests is in it: its growth went with its removal (kept until
     * its last handle closed, then given back), and the request in it, seeing it removed (ext4 then says size 0),
     * gave it back a second time, the live count falling below a restart's scan by the directory's growth: room past
     * the quota for a VM that races an rmdir with a create in the directory.
     */
    @Test
    void aDirectoryRemovedWhileARequestIsInItGivesItsGrowthBackOnce() throws Exception {
        s.call(new TMessage.Tmkdir(1, "D", 0755, 0));
        s.walk(1, 2, "D");
        s.walk(1, 3, "D");
        for (int i = 0; i < 40; i++) {
            s.call(new TMessage.Tmkdir(2, LONG_NAME + i, 0755, 0));
        }
        for (int i = 0; i < 40; i++) {
            s.call(new TMessage.Tunlinkat(2, LONG_NAME + i, AT_REMOVEDIR));
        }
        s.walk(1, 4);
        s.lcreate(4, "kept", O_RDWR_CREAT, 0644);
        s.write(4, 0, new byte[64 * 1024]);
        s.clunk(4);
        assertTrue(alpha.live().bytes() > 64 * 1024, "the directory grew past its first block: " + alpha.live());
        AtomicReference<Exception> failed = new AtomicReference<>();
        // While a Tlcreate in D is between its two looks at D, the VM's other requests empty and remove D.
        FileIo.whileCreating(() -> {
            FileIo.whileCreating(null);
            try {
                s.call(new TMessage.Tunlinkat(2, "f", 0));
                s.call(new TMessage.Tunlinkat(1, "D", AT_REMOVEDIR));
            } catch (Exception e) {
                failed.set(e);
            }
        });
        try {
            s.call(new TMessage.Tlcreate(3, "f", O_RDWR_CREAT, 0644, 0));
        } catch (P9Exception e) {
            // Made and then unlinked: the create may answer either way; only the count matters here.
        }
        assertNull(failed.get(), "the VM's other requests failed: " + failed.get());
        s.clunk(2);
        s.clunk(3);
        assertEquals(alpha.rescanned(), alpha.live());
    }

    /**
     * As above, the directory growing in the request's own window: a Tlcreate of the 17th long name of a directory
     * whose first block holds 16 (ext4 then makes it three blocks), the names removed and the directory too before
     * the create counted its growth (Tremove names no directory, so no request in it counted it meanwhile). The
     * removal gave back 8 KiB that no request had counted.
     */
    @Test
    void aDirectoryRemovedBeforeARequestCountedWhatItGrewGivesBackOnlyWhatWasCounted() throws Exception {
        removedBeforeTheCreateInItCounted(new TMessage.Tunlinkat(1, "E", AT_REMOVEDIR));
    }

    /** As above, the directory replaced by a rename of an empty one onto its name. */
    @Test
    void aDirectoryRenamedOverBeforeARequestCountedWhatItGrewGivesBackOnlyWhatWasCounted() throws Exception {
        s.call(new TMessage.Tmkdir(1, "F", 0755, 0));
        removedBeforeTheCreateInItCounted(new TMessage.Trenameat(1, "F", 1, "E"));
    }

    /**
     * A rename over the directory that fails (ENOTEMPTY) after DirSize.removing caught the VM's count of it up: the
     * create in it then counts from there, not the growth a second time.
     */
    @Test
    void aRefusedRenameOverADirectoryARequestGrowsCountsItsGrowthOnce() throws Exception {
        s.call(new TMessage.Tmkdir(1, "F", 0755, 0));
        Path dir = fullFirstBlock();
        s.walk(1, 3, "E");
        AtomicReference<Exception> refused = new AtomicReference<>();
        long[] grownTo = whileTheCreateIsIn(dir, refused, () -> s.call(new TMessage.Trenameat(1, "F", 1, "E")));
        s.call(new TMessage.Tlcreate(3, LONG_NAME + 16, O_RDWR_CREAT, 0644, 0));
        assertTrue(refused.get() instanceof P9Exception, "the rename over a non-empty directory fails: " + refused);
        assertTrue(grownTo[0] > 4096, "the create grew the directory past its first block: " + grownTo[0]);
        s.clunk(3);
        assertEquals(alpha.rescanned(), alpha.live());
    }

    /**
     * A reload while a request is in a directory: the reload's scan measures the directory as it is then, its growth
     * since the request's first look included, and the request, settling after the swap, counted that growth again
     * into the new book: the live count above a restart's scan (EDQUOT early) until the next reload.
     */
    @Test
    void aReloadWhileARequestIsInADirectoryCountsItsEarlierGrowthOnce() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/a/d/E"));
        s.walk(1, 3, "E");
        AtomicReference<Exception> failed = new AtomicReference<>();
        whileTheCreateIsIn(dir, failed, () -> {
            for (int i = 0; i < 40; i++) {
                Files.createFile(dir.resolve(LONG_NAME + i)); // the host grows it past its first block
            }
            rig.quotas.rebuild(rig.holder.current()); // a reload's rescan and swap
        });
        s.call(new TMessage.Tlcreate(3, "f", O_RDWR_CREAT, 0644, 0));
        assertNull(failed.get(), "the host's changes or the reload failed: " + failed.get());
        s.clunk(3);
        assertTrue(alpha.rescanned().bytes() > 0, "the directory grew past its first block: " + alpha.rescanned());
        assertEquals(alpha.rescanned(), alpha.live());
    }

    private void removedBeforeTheCreateInItCounted(TMessage.FileRequest removal) throws Exception {
        Files.write(tmp.resolve("data/a/d/kept"), new byte[64 * 1024]);
        Path dir = fullFirstBlock();
        s.walk(1, 2, "E");
        s.walk(1, 3, "E");
        AtomicReference<Exception> failed = new AtomicReference<>();
        long[] grownTo = whileTheCreateIsIn(dir, failed, () -> {
            // Through Tremove, no request in the directory: none counts what the create grew it by.
            for (int i = 0; i <= 16; i++) {
                s.walk(2, 4, LONG_NAME + i);
                s.call(new TMessage.Tremove(4));
            }
            s.call(removal);
        });
        try {
            s.call(new TMessage.Tlcreate(3, LONG_NAME + 16, O_RDWR_CREAT, 0644, 0));
        } catch (P9Exception e) {
            // Made and then unlinked: the create may answer either way; only the count matters here.
        }
        assertNull(failed.get(), "the VM's other requests failed: " + failed.get());
        assertTrue(grownTo[0] > 4096, "the create grew the directory past its first block: " + grownTo[0]);
        s.clunk(2);
        s.clunk(3);
        assertEquals(alpha.rescanned(), alpha.live());
    }

    /** The directory E made on the host with 16 long names (its first block full), and the count rebuilt. */
    private Path fullFirstBlock() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/a/d/E"));
        for (int i = 0; i < 16; i++) {
            Files.createFile(dir.resolve(LONG_NAME + i));
        }
        rig.quotas.rebuild(rig.holder.current());
        return dir;
    }

    @FunctionalInterface
    private interface Requests {
        void run() throws Exception;
    }

    /**
     * Has {@code meanwhile} run once while the next create is between its two looks at {@code dir}, its failure put
     * in {@code failed}; gives the directory's size as it began.
     */
    private static long[] whileTheCreateIsIn(Path dir, AtomicReference<Exception> failed, Requests meanwhile) {
        long[] grownTo = new long[1];
        FileIo.whileCreating(() -> {
            FileIo.whileCreating(null);
            try {
                grownTo[0] = Files.size(dir);
                meanwhile.run();
            } catch (Exception e) {
                failed.set(e);
            }
        });
        return grownTo;
    }
}
