package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which shares' remembered paths a rename forgets (issue 11): those of every share that holds the directories it
 * renames from or into, and no other. A VM renaming in a loop in its own share must not push another VM's share back
 * to one kernel lookup per request; shares that are one host directory, or one inside the other, must all forget.
 * Kernel lookups are counted through {@link ShareRoot#kernelLookups()}, not timed.
 */
class RenameScopeTest {
    private static final int GUEST_USER = 1000;

    @TempDir
    Path tmp;

    private final List<ShareRoot> opened = new ArrayList<>();

    /** Bind mounts this test made, unmounted once its shares are closed. */
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void closeShares() throws Exception {
        opened.forEach(ShareRoot::close);
        for (Path m : mounts) {
            run("umount", "-l", m.toString());
        }
    }

    private ShareRoot share(Path dir) throws Exception {
        ShareRoot share = ShareRoot.open(Files.createDirectories(dir), new QidMapper());
        opened.add(share);
        return share;
    }

    private static Node walk(ShareRoot share, String path) throws P9Exception {
        Node n = share.root();
        for (String name : path.split("/")) {
            Node next = share.lookup(n, name);
            n.close();
            n = next;
        }
        return n;
    }

    private static void renameInRoot(ShareRoot share, String from, String to) throws P9Exception {
        try (Node root = share.root()) {
            new Entries(share).renameAt(root, from, root, to, false);
        }
    }

    @Test
    void renamesInOneShareLeaveTheRememberedPathsOfAnUnrelatedShare() throws Exception {
        ShareRoot a = share(tmp.resolve("vm-a"));
        ShareRoot b = share(tmp.resolve("vm-b"));
        Files.createDirectories(tmp.resolve("vm-a/p"));
        Files.createDirectories(tmp.resolve("vm-b/x/y"));
        try (Node y = walk(b, "x/y")) {
            long before = b.kernelLookups();
            for (int i = 0; i < 10; i++) {
                renameInRoot(a, "p", "q");
                renameInRoot(a, "q", "p");
                assertEquals("x/y", b.relativePath(y));
            }
            assertEquals(before, b.kernelLookups(), "B asked the kernel because A renamed in its own share");
        }
    }

    /**
     * Renames "p" into "d" in the root of {@code share} (directory {@code dir}) with a handle on "d" that no climb can
     * start from: closed, a stand-in for any climb that fails (a guest makes one fail by a tree deeper than any climb
     * goes, Climb.MAX_DEPTH levels). The rename fails too.
     */
    private static void renameWhereTheClimbFails(ShareRoot share, Path dir) throws Exception {
        Files.createDirectories(dir.resolve("p"));
        Files.createDirectories(dir.resolve("d"));
        Node d = walk(share, "d");
        d.close();
        try (Node root = share.root()) {
            assertThrows(P9Exception.class, () -> new Entries(share).renameAt(root, "p", d, "p", false));
        }
    }

    /** A rename whose directory cannot be placed (its climb fails) made every open share forget: B's too. */
    @Test
    void aFailedClimbInOneShareLeavesTheRememberedPathsOfAnUnrelatedShare() throws Exception {
        ShareRoot a = share(tmp.resolve("vm-a"));
        ShareRoot b = share(tmp.resolve("vm-b"));
        Files.createDirectories(tmp.resolve("vm-b/x/y"));
        try (Node y = walk(b, "x/y")) {
            long before = b.kernelLookups();
            for (int i = 0; i < 10; i++) {
                renameWhereTheClimbFails(a, tmp.resolve("vm-a"));
                assertEquals("x/y", b.relativePath(y));
            }
            assertEquals(before, b.kernelLookups(), "B asked the kernel because A's climbs failed");
        }
    }

    /**
     * Where a climb fails, the shares that may hold the directory are those connected to the renaming share by
     * overlaps: a concurrent rename through a share above it ({@code outer}) may have moved the directory under a
     * share beside it ({@code outer/beside}), which must forget too.
     */
    @Test
    void aFailedClimbIsSeenByEveryShareConnectedToTheRenamingOneByOverlaps() throws Exception {
        ShareRoot renamer = share(tmp.resolve("outer/in"));
        share(tmp.resolve("outer"));
        ShareRoot beside = share(tmp.resolve("outer/beside"));
        Files.createDirectories(tmp.resolve("outer/beside/x"));
        try (Node x = walk(beside, "x")) {
            assertEquals("x", beside.relativePath(x));
            long before = beside.kernelLookups();
            renameWhereTheClimbFails(renamer, tmp.resolve("outer/in"));
            assertEquals("x", beside.relativePath(x));
            assertEquals(before + 1, beside.kernelLookups(), "the share beside forgot its paths");
        }
    }

    /**
     * A share whose directory is a bind mount of one inside the renaming share: a climb of ".." from its root leaves
     * through the mount point and passes no root of the renaming share, nor does the renaming share's climb pass its
     * root, yet the renaming share's directories beneath it are its own. Before: it was not found connected and kept
     * its remembered paths (0 kernel lookups after the failed climb, 1 expected).
     */
    @Test
    void aFailedClimbIsSeenByAShareBindMountedInsideTheRenamingOne() throws Exception {
        Files.createDirectories(tmp.resolve("outer/x/y"));
        Path mounted = bindMount(tmp.resolve("outer/x"));
        ShareRoot renamer = share(tmp.resolve("outer"));
        ShareRoot bound = share(mounted);
        try (Node y = walk(bound, "y")) {
            assertEquals("y", bound.relativePath(y));
            long before = bound.kernelLookups();
            renameWhereTheClimbFails(renamer, tmp.resolve("outer"));
            assertEquals("y", bound.relativePath(y));
            assertEquals(before + 1, bound.kernelLookups(), "the bind-mounted share forgot its paths");
        }
    }

    /**
     * Each share root's mount is read once, when the share is opened: a descriptor's mount never changes. Before: it
     * was read for every open share at each rename whose climb failed.
     */
    @Test
    void eachShareRootsMountIsReadOnceWhenTheShareIsOpened() throws Exception {
        long before = MountIds.reads();
        ShareRoot a = share(tmp.resolve("vm-a"));
        share(tmp.resolve("vm-b"));
        for (int i = 0; i < 10; i++) {
            renameWhereTheClimbFails(a, tmp.resolve("vm-a"));
        }
        assertEquals(2, MountIds.reads() - before, "mount ids read for two shares and ten failed climbs");
    }

    /**
     * A move by the host found through one share is seen by a share whose directory is a bind mount of one inside it,
     * and the other way round: no climb of ".." from either root passes the other's. Before: the share that did not
     * find the move kept its remembered path of the moved directory.
     */
    @ParameterizedTest(name = "found through the outer share: {0}")
    @ValueSource(booleans = {true, false})
    void aMoveByTheHostIsSeenByAShareBindMountedInsideTheOneThatFoundIt(boolean throughOuter) throws Exception {
        Files.createDirectories(tmp.resolve("outer/x/y/z"));
        Path mounted = bindMount(tmp.resolve("outer/x"));
        ShareRoot outer = share(tmp.resolve("outer"));
        ShareRoot bound = share(mounted);
        try (Node zo = walk(outer, "x/y/z");
                Node zb = walk(bound, "y/z")) {
            assertEquals("x/y/z", outer.relativePath(zo));
            assertEquals("y/z", bound.relativePath(zb));
            Files.move(tmp.resolve("outer/x/y"), tmp.resolve("outer/x/w"));
            if (throughOuter) {
                assertEquals("x/w/z", outer.confirmedPath(zo));
                assertEquals("w/z", bound.relativePath(zb), "the bind-mounted share forgot its paths");
            } else {
                assertEquals("w/z", bound.confirmedPath(zb));
                assertEquals("x/w/z", outer.relativePath(zo), "the share around the bind mount forgot its paths");
            }
        }
    }

    /**
     * A rename through a share whose directory is a bind mount of one inside another share: the renaming share's
     * climbs of ".." leave through the mount point and pass no root of the share around it, yet the entry it moves is
     * that share's too. Before: the share around the bind mount kept its remembered path of the moved directory ("x/y"
     * after it was moved to "x/w"), so a request on it was decided where the directory no longer was.
     */
    @Test
    void aRenameThroughABindMountedShareIsSeenByTheShareAroundIt() throws Exception {
        Files.createDirectories(tmp.resolve("outer/x/y/z"));
        Path mounted = bindMount(tmp.resolve("outer/x"));
        ShareRoot outer = share(tmp.resolve("outer"));
        ShareRoot bound = share(mounted);
        try (Node z = walk(outer, "x/y/z")) {
            assertEquals("x/y/z", outer.relativePath(z));
            renameInRoot(bound, "y", "w");
            assertEquals("x/w/z", outer.relativePath(z), "the share around the bind mount forgot its paths");
        }
    }

    /** {@code dir} mounted again at {@code mnt} (unmounted after the test); skips the test where that is refused. */
    private Path bindMount(Path dir) throws Exception {
        Path mounted = Files.createDirectories(tmp.resolve("mnt"));
        assumeTrue(
                run("mount", "--bind", dir.toString(), mounted.toString()) == 0,
                "bind mounts need root (CAP_SYS_ADMIN)");
        mounts.add(mounted);
        return mounted;
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /**
     * Shares of {@code renamerDir} and {@code seerDir} (the same directory, or one inside the other) and the tree
     * {@code tree}; the seer holds a handle on {@code seen}; the renamer renames {@code in}/x to {@code in}/w.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "the same directory | same  | same     | same/x/y     | ''  | x/y    | w/y",
                "renamed above the seer | outer | outer/in | outer/in/x/y | in | x/y    | w/y",
                "renamed inside the seer | outer/in | outer | outer/in/x/y | '' | in/x/y | in/w/y"
            })
    void aRenameIsSeenByEveryShareThatHoldsTheRenamedEntry(
            String why, String renamerDir, String seerDir, String tree, String in, String seen, String after)
            throws Exception {
        ShareRoot renamer = share(tmp.resolve(renamerDir));
        ShareRoot seer = share(tmp.resolve(seerDir));
        Files.createDirectories(tmp.resolve(tree));
        try (Node node = walk(seer, seen);
                Node dir = in.isEmpty() ? renamer.root() : walk(renamer, in)) {
            assertEquals(seen, seer.relativePath(node));
            new Entries(renamer).renameAt(dir, "x", dir, "w", false);
            assertEquals(after, seer.relativePath(node), why);
        }
    }

    @Test
    void aMoveByTheHostFoundThroughOneShareIsSeenByEveryShareOfThatDirectory() throws Exception {
        ShareRoot a = share(tmp.resolve("same"));
        ShareRoot b = share(tmp.resolve("same"));
        Files.createDirectories(tmp.resolve("same/x/y"));
        try (Node xa = walk(a, "x");
                Node yb = walk(b, "x/y")) {
            assertEquals("x/y", b.relativePath(yb));
            Files.move(tmp.resolve("same/x"), tmp.resolve("outside"));
            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> a.currentPath(xa)).errno());
            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> b.relativePath(yb)).errno());
        }
    }

    /**
     * In a share with {@code permissions: enforce} a rename runs as the guest's host user, who may not search the
     * directories above the share: which shares the rename concerns is still found, by climbs made as the gateway.
     * Before: the climb failed with EACCES above the share, and every share connected to it (all of them, since no
     * root could be placed either) forgot its paths at each rename (10 kernel lookups of B's for ten renames, 0 now).
     */
    @Test
    void aGuestUsersRenameUnderAnUnsearchableParentLeavesTheRememberedPathsOfAnUnrelatedShare() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as a guest's host user needs a root test run");
        Path private_ = unsearchable(tmp.resolve("private"));
        ShareRoot a = share(private_.resolve("vm-a"));
        ShareRoot b = share(private_.resolve("vm-b"));
        Files.setPosixFilePermissions(private_.resolve("vm-a"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createDirectories(private_.resolve("vm-a/p"));
        Files.createDirectories(private_.resolve("vm-b/x/y"));
        try (Node y = walk(b, "x/y")) {
            long before = b.kernelLookups();
            for (int i = 0; i < 10; i++) {
                String from = i % 2 == 0 ? "p" : "q";
                String to = i % 2 == 0 ? "q" : "p";
                HostCredentials.actingAs(GUEST_USER, GUEST_USER, () -> {
                    renameInRoot(a, from, to);
                    return null;
                });
                assertEquals("x/y", b.relativePath(y));
            }
            assertEquals(before, b.kernelLookups(), "B asked the kernel because A's guest user renamed");
        }
    }

    /**
     * A move by the host found by a request acting as the guest's host user (a walk, permissions: enforce) under a
     * directory that user cannot search: the shares overlapping the one that found it are found by climbs made as the
     * gateway. Before: every share forgot its paths (1 kernel lookup of B's, 0 now).
     */
    @Test
    void aHostMoveFoundByAGuestUserUnderAnUnsearchableParentLeavesTheRememberedPathsOfAnUnrelatedShare()
            throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "acting as a guest's host user needs a root test run");
        Path private_ = unsearchable(tmp.resolve("private"));
        ShareRoot a = share(private_.resolve("vm-a"));
        ShareRoot b = share(private_.resolve("vm-b"));
        Files.createDirectories(private_.resolve("vm-a/x/y"));
        Files.createDirectories(private_.resolve("vm-b/x/y"));
        try (Node moved = walk(a, "x/y");
                Node y = walk(b, "x/y")) {
            assertEquals("x/y", b.relativePath(y));
            long before = b.kernelLookups();
            Files.move(private_.resolve("vm-a/x/y"), private_.resolve("vm-a/y"));
            P9Exception found = assertThrows(
                    P9Exception.class,
                    () -> HostCredentials.actingAs(GUEST_USER, GUEST_USER, () -> {
                        a.requireAt(moved, "x/y");
                        return null;
                    }));
            assertEquals(Errno.ENOENT, found.errno());
            assertEquals("x/y", b.relativePath(y));
            assertEquals(before, b.kernelLookups(), "B asked the kernel because A's guest user found a host move");
        }
    }

    /** {@code dir}, root's, mode 0700: no guest's host user may search it. */
    private static Path unsearchable(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }
}
