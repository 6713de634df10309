package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A fid opened through one name of a file with two keeps that name's path after the name is removed: the kernel knows
 * the handle by its removed entry (" (deleted)"), not by the name left. The name left, the file's only one, could then
 * be renamed into the scope, and every write through the fid was accounted where the removed name had been, outside:
 * 2 MiB landed in the 1 MiB scope counted nowhere. Renamed out of the scope instead, every write through the fid was
 * counted in the scope while the bytes sat outside (the count drifting from a restart's). This VM's own unlink pinned
 * the file's scopes; a name removed by another VM sharing the folder (through the gateway, under its own policy) or
 * by the host (a process outside the gateway) did not. Now a rename between scopes asks the kernel which names the
 * file's open handles hold, whoever removed one: EXDEV while one holds a removed name (as for a file with several
 * links), and the rename moves, counted, once that handle is closed.
 */
class QuotaLostNameAttackTest {
    private static final int CACHE = 3;
    private static final int OUT = 4;
    private static final int DIR = 90;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    /** Who removes the name. */
    enum Remover {
        THIS_VM,
        ANOTHER_VM,
        HOST
    }

    private void remove(Remover who, P9Client vm, String path) throws Exception {
        switch (who) {
            case THIS_VM -> unlinkThrough(vm, path);
            case ANOTHER_VM -> unlinkThrough(target.connectPeer(), path);
            case HOST -> Files.delete(target.share.resolve(path));
        }
    }

    private static void unlinkThrough(P9Client client, String path) throws Exception {
        String[] parts = path.split("/");
        client.walk(ROOT, DIR, Arrays.copyOf(parts, parts.length - 1));
        client.unlinkat(DIR, parts[parts.length - 1], 0);
        client.clunk(DIR);
    }

    private static Errno renameErrno(P9Client c, int from, String name, int to) throws Exception {
        try {
            c.renameat(from, name, to, name);
            return null;
        } catch (P9Exception e) {
            return e.errno();
        }
    }

    @ParameterizedTest
    @EnumSource(Remover.class)
    void aFileHeldThroughANameSomeoneElseRemovedCannotMoveIntoTheScope(Remover remover) throws Exception {
        Files.createFile(target.share.resolve("first"));
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "first");
        c.lopen(1, O_RDWR);
        c.walk(ROOT, 2, "first");
        c.link(ROOT, 2, "second");
        c.clunk(2);
        remove(remover, c, "first");
        c.walk(ROOT, CACHE, "work", "cache");

        Errno refused = renameErrno(c, ROOT, "second", CACHE);
        long accepted = QuotaAttackGateway.fill(c, 1, 0, 2L * LIMIT);

        long inScope = target.hostBytesInScope();
        assertTrue(
                inScope <= target.usageNow().bytes() && inScope <= LIMIT,
                "scope holds " + inScope + " (" + accepted + " written), counted "
                        + target.usageNow().bytes());
        assertEquals(Errno.EXDEV, refused);

        c.clunk(1);
        // No handle left, it may move, counted: its 2 MiB do not fit.
        assertEquals(
                Errno.EDQUOT,
                assertThrows(P9Exception.class, () -> c.renameat(ROOT, "second", CACHE, "second"))
                        .errno());
        assertEquals(target.usageAfterRestart(), target.usageNow());
    }

    @ParameterizedTest
    @EnumSource(Remover.class)
    void aFileHeldThroughANameSomeoneElseRemovedCannotMoveOutOfTheScope(Remover remover) throws Exception {
        Files.createDirectories(target.share.resolve("work/out"));
        P9Client c = target.start().connect();
        c.walk(ROOT, CACHE, "work", "cache");
        c.walk(ROOT, OUT, "work", "out");
        c.walk(CACHE, 1);
        c.lcreate(1, "a", O_RDWR, 0644, 0);
        assertEquals(LIMIT / 4, QuotaAttackGateway.fill(c, 1, 0, LIMIT / 4));
        c.walk(CACHE, 2, "a");
        c.link(CACHE, 2, "b");
        c.clunk(2);
        remove(remover, c, "work/cache/a");

        Errno refused = renameErrno(c, CACHE, "b", OUT);
        assertEquals(LIMIT / 4, QuotaAttackGateway.fill(c, 1, LIMIT / 4, LIMIT / 4));
        c.clunk(1);

        // The removed name's inode is not this VM's to give back (seen at the next reload): bytes only.
        assertEquals(target.usageAfterRestart().bytes(), target.usageNow().bytes());
        assertEquals(Errno.EXDEV, refused);
        assertEquals(null, renameErrno(c, CACHE, "b", OUT), "no handle left: it moves, counted");
        assertEquals(0, target.usageNow().bytes());
    }
}
