package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.policy.quota.Usage;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Files the host deletes, truncates or makes in a quota's scope while the gateway runs are not in the VM's count
 * until a reload or restart scans the scope again (docs/policy.md, "Changes made on the host"). What the VM sees
 * meanwhile, measured: a deletion or truncation on the host leaves the VM less room than the limit (EDQUOT early),
 * never more; a file the host makes leaves the VM its whole remaining room beside it; a reload counts all three.
 */
class QuotaHostChangeAttackTest {
    private static final int CACHE = 1;
    private static final int OTHER = 3;
    private static final int HALF = LIMIT / 2;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void whatTheHostDeletesOrTruncatesIsRoomOnlyAfterAReload() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        assertEquals(HALF, write(c, "a", HALF));
        assertEquals(HALF, write(c, "b", HALF));

        Files.delete(target.scope.resolve("a"));
        try (RandomAccessFile b = new RandomAccessFile(target.scope.resolve("b").toFile(), "rw")) {
            b.setLength(0);
        }
        assertEquals(0, write(c, "c", HALF), "the deleted and truncated bytes are still counted: EDQUOT");
        assertEquals(LIMIT, target.usageNow().bytes());

        target.reload();
        assertEquals(0, target.usageNow().bytes());
        assertEquals(LIMIT, write(c, "d", LIMIT), "after the reload the whole limit is free again");
    }

    @Test
    void whatTheHostMakesCountsAfterAReload() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        Files.write(target.scope.resolve("host"), new byte[HALF]);

        assertEquals(HALF, write(c, "a", HALF));
        assertEquals(HALF, target.usageNow().bytes(), "the host's file is not counted");

        target.reload();
        assertEquals(LIMIT, target.usageNow().bytes());
        assertEquals(0, write(c, "b", HALF), "counted after the reload: the scope is full");
    }

    /**
     * The host (or another VM sharing the folder without this quota) grows a file the VM made; the VM then truncates
     * it. The bytes the VM's count never had must not be given back as room beyond the limit.
     */
    @Test
    void aFileTheHostGrewGivesBackNoMoreThanWasCounted() throws Exception {
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        assertEquals(HALF, write(c, "a", HALF));
        grownOnTheHostThenTruncated(c, "a");

        assertEquals(LIMIT, write(c, "b", 4L * LIMIT), "the VM's room is the limit, not the host's growth besides");
    }

    /**
     * As above with the scope full of the VM's other data, so that no floor at 0 hides it: a file the VM wrote, or one
     * the scan counted, grown by the host and truncated by the VM gives back what was counted of it, not the growth.
     * (A ledger keeps no per-file size of what its scan found: files the scan saw give back, all together, at most
     * what it counted.) After a reload the scope holds its limit, no more.
     */
    @ParameterizedTest
    @EnumSource(Counted.class)
    void aGrownFileInAFullScopeGivesBackNoMoreThanWasCounted(Counted counted) throws Exception {
        if (counted == Counted.BY_THE_SCAN) {
            Files.write(target.scope.resolve("a"), new byte[HALF]);
        }
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        if (counted == Counted.WRITTEN_BY_THE_VM) {
            assertEquals(HALF, write(c, "a", HALF));
        }
        assertEquals(HALF, write(c, "b", HALF));
        grownOnTheHostThenTruncated(c, "a");

        assertEquals(HALF, write(c, "c", 4L * LIMIT), "what a's count gave back, not the host's growth");
        target.reload();
        write(c, "d", 4L * LIMIT);
        assertEquals(LIMIT, QuotaAttackGateway.hostBytesBelow(target.scope));
    }

    /** How the count came to have the file the host then grows. */
    enum Counted {
        WRITTEN_BY_THE_VM,
        BY_THE_SCAN
    }

    /**
     * A file the scan counted and nothing changed since gives back its whole size, also after the VM renamed it
     * within the scope (a rename changes its inode's ctime, the sign of a change by another writer).
     */
    @Test
    void aFileTheScanCountedIsRoomAgainWhenTheVmRemovesIt() throws Exception {
        Files.write(target.scope.resolve("old"), new byte[LIMIT]);
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        assertEquals(0, write(c, "a", HALF), "the scan counted old: the scope is full");
        c.renameat(CACHE, "old", CACHE, "renamed");
        c.unlinkat(CACHE, "renamed", 0);
        c.unlinkat(CACHE, "a", 0);

        assertEquals(LIMIT, write(c, "b", LIMIT), "old's whole size is room again");
        assertEquals(new Usage(LIMIT, 1), target.usageNow(), "only b is counted");
    }

    /** How the VM gets rid of a file another writer dropped into its scope. */
    enum Disposal {
        REMOVE,
        TRUNCATE,
        RENAME_OUT
    }

    /**
     * The host (or another VM sharing the folder without this quota) drops files into the scope, and the VM, its scope
     * full of its own data, removes each, truncates it or renames it out of the scope: the bytes its count never had
     * must not become room for more of its own. Open (Medium): a ledger frees a file's size, floored only at 0 over
     * the whole scope, so each such file is that much room again; main lets the VM keep 4 MiB of its own in 1 MiB,
     * each way.
     */
    @ParameterizedTest
    @EnumSource(Disposal.class)
    void disposingOfWhatTheHostMadeGivesNoRoomBeyondTheLimit(Disposal disposal) throws Exception {
        Files.createDirectories(target.scope.resolveSibling("other"));
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        c.walk(ROOT, OTHER, "work", "other");
        assertEquals(LIMIT, write(c, "mine0", LIMIT));
        long stored = LIMIT;
        for (int round = 1; round <= 3; round++) {
            String gift = "gift" + round;
            Files.write(target.scope.resolve(gift), new byte[LIMIT]);
            switch (disposal) {
                case REMOVE -> c.unlinkat(CACHE, gift, 0);
                case TRUNCATE -> {
                    c.walk(CACHE, 2, gift);
                    truncate(c, 2);
                    c.clunk(2);
                }
                case RENAME_OUT -> c.renameat(CACHE, gift, OTHER, gift);
            }
            stored += write(c, "mine" + round, LIMIT);
        }
        assertEquals(LIMIT, stored, "the VM's own bytes in a scope of " + LIMIT);
        assertEquals(LIMIT, QuotaAttackGateway.hostBytesBelow(target.scope));
    }

    /** The host grows {@code name} to four times the limit; the VM then truncates it to 0. */
    private void grownOnTheHostThenTruncated(P9Client c, String name) throws Exception {
        try (RandomAccessFile f =
                new RandomAccessFile(target.scope.resolve(name).toFile(), "rw")) {
            f.setLength(4L * LIMIT);
        }
        c.walk(CACHE, 2, name);
        truncate(c, 2);
        c.clunk(2);
    }

    private static void truncate(P9Client c, int fid) throws Exception {
        c.setattr(fid, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    /** Creates {@code name} in the scope and writes {@code bytes} zeros into it: the bytes the quota let through. */
    private static long write(P9Client c, String name, long bytes) throws Exception {
        c.walk(CACHE, 2);
        c.lcreate(2, name, O_RDWR, 0644, 0);
        try {
            return QuotaAttackGateway.fill(c, 2, 0, bytes);
        } finally {
            c.clunk(2);
        }
    }
}
