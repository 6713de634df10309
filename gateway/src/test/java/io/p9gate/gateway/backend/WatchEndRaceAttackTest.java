package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch ends two ways at once ({@link HostMoves}): the kernel removes it (its directory removed, by the host or a
 * guest's rmdir) while the gateway removes it too (its share starting over or closing), the VM's reader handling its
 * IN_IGNORED, its last event, meanwhile. Nothing of the watch may stay behind: a descriptor left among those whose
 * IN_IGNORED is awaited never leaves (the set only grows with directory churn), and once the kernel gives that
 * descriptor again, the new watch's events would be passed over.
 */
class WatchEndRaceAttackTest {
    private static final String VM = "watch-end";
    private static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    private ShareRoot keep;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("keep"));
        keep = ShareRoot.open(tmp.resolve("keep"), new QidMapper());
        keep.watchMoves();
        asVm(() -> {
            try (Node root = keep.root()) {
                assertThrows(P9Exception.class, () -> keep.lookup(root, "x").close()); // the VM's instance, kept
            }
            return null;
        });
    }

    @AfterEach
    void tearDown() {
        HostMoves.watchAddedForTests = null;
        keep.close();
    }

    /** Each round: the kernel ends a watch, and the watch's share closes while the reader handles its IN_IGNORED. */
    @Test
    void aWatchDroppedWhileItsLastEventIsHandledLeavesNoDescriptorBehind() throws Exception {
        int before = HostMoves.droppedUnreadForTests();
        for (int i = 0; i < ROUNDS; i++) {
            Path a = Files.createDirectories(tmp.resolve("a" + i + "/d"));
            ShareRoot share = ShareRoot.open(a.getParent(), new QidMapper());
            share.watchMoves();
            asVm(() -> {
                try (Node root = share.root();
                        Node d = share.lookup(root, "d")) {
                    assertThrows(P9Exception.class, () -> share.lookup(d, "x").close()); // d watched
                }
                return null;
            });
            ShareRoot.awaitHostMovesSeen();
            // Another request of the VM adds a watch; while it holds the watches' lock, d is removed and the share
            // closes (as a start over would drop it), the reader waiting for that lock with d's IN_IGNORED.
            String name = "e" + i;
            Files.createDirectories(tmp.resolve("keep/" + name));
            Thread reader = reader();
            HostMoves.watchAddedForTests = wd -> {
                HostMoves.watchAddedForTests = null;
                delete(a);
                awaitUntil(() -> reader.getState() == Thread.State.BLOCKED);
                share.close();
            };
            asVm(() -> {
                try (Node root = keep.root();
                        Node e = keep.lookup(root, name)) {
                    assertThrows(P9Exception.class, () -> keep.lookup(e, "x").close());
                }
                return null;
            });
            ShareRoot.awaitHostMovesSeen();
        }
        assertEquals(
                before, HostMoves.droppedUnreadForTests(), "descriptors left waiting for an IN_IGNORED already read");
    }

    private static Thread reader() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("p9gate-host-moves-" + VM) && t.isAlive())
                .findFirst()
                .orElseThrow();
    }

    private static void awaitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "the reader neither handled the events nor waited");
            Thread.onSpinWait();
        }
    }

    private static void delete(Path dir) {
        try {
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T asVm(ScopedValue.CallableOp<T, Exception> op) throws Exception {
        return ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited(VM)).call(op);
    }
}
