package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.SetAttr;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import org.junit.jupiter.api.Disabled;
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
        try (RandomAccessFile a = new RandomAccessFile(target.scope.resolve("a").toFile(), "rw")) {
            a.setLength(4L * LIMIT);
        }
        c.walk(CACHE, 2, "a");
        c.setattr(2, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
        c.clunk(2);

        assertEquals(LIMIT, write(c, "b", 4L * LIMIT), "the VM's room is the limit, not the host's growth besides");
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
    @Disabled("open: an unlink frees bytes the scope never counted (docs/policy.md, \"Changes made on the host\")")
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
                    c.setattr(2, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
                    c.clunk(2);
                }
                case RENAME_OUT -> c.renameat(CACHE, gift, OTHER, gift);
            }
            stored += write(c, "mine" + round, LIMIT);
        }
        assertEquals(LIMIT, stored, "the VM's own bytes in a scope of " + LIMIT);
        assertEquals(LIMIT, QuotaAttackGateway.hostBytesBelow(target.scope));
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
