package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile VM's share lies inside a victim VM's share, one of whose directories the victim watches: the hostile
 * VM's own makes and removals of one name there, no rename among them, queue on the victim's inotify queue too.
 * Each event the victim's reader took for a host move advanced the victim's share, and every handle of it then
 * asked the kernel for its path again: the hostile VM's requests made the victim's slow. A made or removed name
 * moves no path, so the churn must cost the victim at most a handful of advances, while a host rename in its tree
 * is still seen. The victim's reader is held while the hostile VM churns, as when it is behind: every event is read
 * after the names are gone again (the worst case, and a deterministic one).
 */
class OverlappingChurnAdvancesAttackTest {
    private static final int ROUNDS = 200;

    /** Advances the churn may cost the victim: a handful, not one a round. */
    private static final int HANDFUL = 4;

    private static final int S_IFIFO = 0010000;

    @TempDir
    Path tmp;

    private ShareRoot victimShare;
    private ShareRoot hostileShare;
    private final VmBudget victim = VmBudget.unlimited("victim");

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("outer/inner/d0"));
        Files.writeString(tmp.resolve("outer/inner/d0/f"), "f");
        victimShare = ShareRoot.open(tmp.resolve("outer"), new QidMapper());
        victimShare.watchMoves();
        hostileShare = ShareRoot.open(tmp.resolve("outer/inner"), new QidMapper());
        hostileShare.watchMoves();
    }

    @AfterEach
    void tearDown() {
        victimShare.close();
        hostileShare.close();
    }

    @Test
    void theHostileVmsMkdirAndRmdirOfOneNameDoNotAdvanceTheVictim() throws Exception {
        assertChurnCostsTheVictimAHandful(
                (entries, root) -> {
                    entries.mkdir(root, "m", 0755, (made, stat) -> {}).close();
                    entries.unlinkAt(root, "m", true);
                },
                "mkdir+rmdir");
    }

    @Test
    void theHostileVmsCreateAndUnlinkOfOneNameDoNotAdvanceTheVictim() throws Exception {
        assertChurnCostsTheVictimAHandful(
                (entries, root) -> {
                    FileIo.Created made = new FileIo(hostileShare)
                            .create(root, "x", LinuxSyscalls.O_RDWR, 0644, true, (node, stat) -> {});
                    made.file().close();
                    made.node().close();
                    entries.unlinkAt(root, "x", false);
                },
                "create+unlink");
    }

    @Test
    void theHostileVmsSymlinkAndUnlinkOfOneNameDoNotAdvanceTheVictim() throws Exception {
        assertChurnCostsTheVictimAHandful(
                (entries, root) -> {
                    entries.symlink(root, "s", "target", (made, stat) -> {}).close();
                    entries.unlinkAt(root, "s", false);
                },
                "symlink+unlink");
    }

    @Test
    void theHostileVmsFifoMknodAndUnlinkOfOneNameDoNotAdvanceTheVictim() throws Exception {
        assertChurnCostsTheVictimAHandful(
                (entries, root) -> {
                    entries.mknod(root, "p", S_IFIFO | 0644, 0, 0, (made, stat) -> {})
                            .close();
                    entries.unlinkAt(root, "p", false);
                },
                "mknod(fifo)+unlink");
    }

    @Test
    void theHostileVmsRegularMknodAndUnlinkOfOneNameDoNotAdvanceTheVictim() throws Exception {
        assertChurnCostsTheVictimAHandful(
                (entries, root) -> {
                    entries.mknod(root, "r", 0644, 0, 0, (made, stat) -> {}).close();
                    entries.unlinkAt(root, "r", false);
                },
                "mknod(regular)+unlink");
    }

    /**
     * Still sound: the host renames a file of a directory nothing watches onto a name the hostile VM just made (a
     * regular file by mknod, the victim holding it, the host having linked it elsewhere), and the hostile VM then
     * unlinks the name. The victim's handle is known by a name that now holds nothing of its file, which lives on
     * elsewhere: it must not keep deciding by that name. Made by a rename into place, the host's IN_MOVED_TO was
     * merged by the kernel into the event of the gateway's own, read once the name was gone again.
     */
    @Test
    void aHostRenameOntoANameTheHostileVmMadeStillAdvancesTheVictim() throws Exception {
        assertAHostRenameOntoAMadeNameAdvancesTheVictim(0);
    }

    /** As above, amid the hostile VM's symlink churn, before and after. */
    @Test
    void aHostRenameAmidTheHostileVmsSymlinkChurnStillAdvancesTheVictim() throws Exception {
        assertAHostRenameOntoAMadeNameAdvancesTheVictim(20);
    }

    private void assertAHostRenameOntoAMadeNameAdvancesTheVictim(int churnRounds) throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("y"), "y");
        try (Node f = ScopedValue.where(VmBudget.CURRENT, victim).call(this::victimWalksToTheFile)) {
            ShareRoot.awaitHostMovesSeen();
            VmBudget hostile = VmBudget.unlimited("hostile");
            Entries entries = new Entries(hostileShare);
            Round symlinkChurn = (e, root) -> {
                for (int i = 0; i < churnRounds; i++) {
                    e.symlink(root, "s", "target", (node, stat) -> {}).close();
                    e.unlinkAt(root, "s", false);
                }
            };
            Node made;
            HostMoves.holdForTests.lock(); // the readers are behind: every event is read after the name is gone
            try {
                try (Node root = ScopedValue.where(VmBudget.CURRENT, hostile).call(hostileShare::root)) {
                    ScopedValue.where(VmBudget.CURRENT, hostile).call(() -> {
                        symlinkChurn.run(entries, root);
                        entries.mknod(root, "r", 0644, 0, 0, (node, stat) -> {}).close();
                        return null;
                    });
                    made = ScopedValue.where(VmBudget.CURRENT, victim).call(() -> {
                        try (Node victimRoot = victimShare.root();
                                Node inner = victimShare.lookup(victimRoot, "inner")) {
                            return victimShare.lookup(inner, "r");
                        }
                    });
                    Files.createLink(elsewhere.resolve("keep"), tmp.resolve("outer/inner/r"));
                    Files.move(elsewhere.resolve("y"), tmp.resolve("outer/inner/r"), StandardCopyOption.ATOMIC_MOVE);
                    ScopedValue.where(VmBudget.CURRENT, hostile).call(() -> {
                        entries.unlinkAt(root, "r", false);
                        symlinkChurn.run(entries, root);
                        return null;
                    });
                }
            } finally {
                HostMoves.holdForTests.unlock();
            }
            try (made) {
                assertEquals("inner/r", made.lastLearnedPath(), "what the victim's handle was reached by");
                ShareRoot.awaitHostMovesSeen();
                assertNull(made.pathAt(victimShare.renames().now()), "the host's rename onto r went unseen");
                assertThrows(
                        RemovedName.class,
                        () -> ScopedValue.where(VmBudget.CURRENT, victim).call(() -> victimShare.placedPath(made)),
                        "decided by a name its file no longer has");
            }
            assertEquals("inner/d0/f", victimPath(f));
        }
    }

    /**
     * Why a removed directory needs no advance: a held handle of it keeps the path it remembers, and that is the
     * kernel's answer for it too, though the host made a new directory at the name.
     */
    @Test
    void aDirectoryTheHostRemovesAndMakesAgainKeepsItsPathForTheKernelToo() throws Exception {
        Files.createDirectories(tmp.resolve("outer/inner/d1"));
        try (Node d1 = ScopedValue.where(VmBudget.CURRENT, victim).call(() -> {
            try (Node root = victimShare.root();
                    Node inner = victimShare.lookup(root, "inner")) {
                return victimShare.lookup(inner, "d1");
            }
        })) {
            Files.delete(tmp.resolve("outer/inner/d1"));
            Files.createDirectories(tmp.resolve("outer/inner/d1"));
            ShareRoot.awaitHostMovesSeen();
            assertEquals("inner/d1", victimPath(d1), "remembered");
            assertEquals("inner/d1", victimShare.currentPath(d1), "the kernel's");
        }
    }

    /** One round of the hostile VM's churn in its share's root. */
    @FunctionalInterface
    private interface Round {
        void run(Entries entries, Node root) throws P9Exception;
    }

    private void assertChurnCostsTheVictimAHandful(Round round, String what) throws Exception {
        try (Node f = ScopedValue.where(VmBudget.CURRENT, victim).call(this::victimWalksToTheFile)) {
            ShareRoot.awaitHostMovesSeen();
            long epoch = victimShare.renames().now();

            HostMoves.holdForTests.lock(); // the readers are behind: each event is read after the churn
            try {
                ScopedValue.where(VmBudget.CURRENT, VmBudget.unlimited("hostile"))
                        .call(() -> {
                            Entries entries = new Entries(hostileShare);
                            try (Node root = hostileShare.root()) {
                                for (int i = 0; i < ROUNDS; i++) {
                                    round.run(entries, root);
                                }
                            }
                            return null;
                        });
            } finally {
                HostMoves.holdForTests.unlock();
            }
            ShareRoot.awaitHostMovesSeen();
            long advances = victimShare.renames().now() - epoch;
            System.out.printf(
                    "%s x %d in a directory the victim watches: %d advances of its share%n", what, ROUNDS, advances);
            assertTrue(
                    advances <= HANDFUL,
                    what + " by the hostile VM advanced the victim's share " + advances + " times");

            // Still sound: the host renames d0, in the directory the hostile VM churned in.
            assertEquals("inner/d0/f", victimPath(f));
            Files.move(tmp.resolve("outer/inner/d0"), tmp.resolve("outer/inner/e0"));
            ShareRoot.awaitHostMovesSeen();
            assertNull(f.pathAt(victimShare.renames().now()), "the host's rename after the churn went unseen");
            assertEquals("inner/e0/f", victimPath(f));
        }
    }

    private String victimPath(Node f) throws Exception {
        return ScopedValue.where(VmBudget.CURRENT, victim).call(() -> victimShare.relativePath(f));
    }

    /** The victim walks to inner/d0/f, watching the root, inner and d0; returns its handle of f. */
    private Node victimWalksToTheFile() throws Exception {
        try (Node root = victimShare.root();
                Node inner = victimShare.lookup(root, "inner");
                Node d0 = victimShare.lookup(inner, "d0")) {
            return victimShare.lookup(d0, "f");
        }
    }
}
