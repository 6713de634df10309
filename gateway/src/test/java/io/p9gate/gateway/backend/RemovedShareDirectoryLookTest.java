package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An attach looks at the share's path for a file system mounted over it (RemovedShareDirectory). A gateway that may
 * not look there (unprivileged, a directory above the share made 0700 by another user since the start; the tests run
 * as root, so the kernel's EACCES is the seam's) cannot tell whether new writes would go where no host path reaches:
 * the attach is refused ESTALE, as a mount over it is, with one WARNING naming the path and the errno. Before, it was
 * served. A path that leads nowhere is not such a refusal, and what is looked at is counted: one statx per attach.
 */
class RemovedShareDirectoryLookTest {
    /** The kernel's EACCES to an unprivileged gateway, which the tests (root) do not get. */
    private static final RemovedShareDirectory.HostPaths REFUSING = (path, follow) -> {
        throw new P9Exception(Errno.EACCES, "seam");
    };

    @TempDir
    Path tmp;

    @Test
    void aPathTheGatewayMayNotLookAtIsStaleAndTold() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("data"));
        List<String> looked = new ArrayList<>();
        RemovedShareDirectory.HostPaths refusing = (path, follow) -> {
            looked.add(path);
            throw new P9Exception(Errno.EACCES, "seam");
        };
        try (LoggedLines log = new LoggedLines("io.p9gate");
                LocalShare share = LocalShare.open("data", dir, new QidMapper())) {
            Node root = share.root().rootNode();
            FileStat stat = Inodes.stat(root);
            RemovedShareDirectory checked =
                    new RemovedShareDirectory("data", dir.toString(), root, MountIds.UNKNOWN, refusing);
            for (int i = 0; i < 2; i++) {
                P9Exception stale = assertThrows(P9Exception.class, () -> checked.requireReachable(root, stat));
                assertEquals(Errno.ESTALE, stale.errno(), stale.toString());
            }
            assertEquals(List.of(dir.toString(), dir.toString()), looked, "one look per attach");
            List<String> told = log.startingWith("share 'data' (" + dir + ")");
            assertEquals(1, told.size(), told.toString());
            assertTrue(told.getFirst().contains("may not look at " + dir + " (EACCES)"), told.getFirst());

            looked.clear();
            new RemovedShareDirectory("data", dir.toString(), root, MountIds.UNKNOWN, (path, follow) -> {
                        looked.add(path);
                        return Inodes.statOfHostPath(path);
                    })
                    .requireReachable(root, stat);
            assertEquals(List.of(dir.toString()), looked, "served after one look");
        }
    }
    /**
     * Where the gateway may not search the path, the mount table tells: a guest whose share holds a nested share's
     * parent (docs/policy.md, "/srv/b -> /srv/a/vms/b") chmods it 000, which an unprivileged gateway may not search
     * (here the seam's EACCES), and every new attach of the nested share was ESTALE: one VM kept another from mounting
     * its share. With the root's mount known, nothing mounted over the path is served; a tmpfs over the directory or
     * its parent is still stale.
     */
    @Test
    void aPathTheGatewayMayNotSearchIsLookedUpInTheMountTable() throws Exception {
        Path parent = Files.createDirectory(tmp.resolve("vms"));
        Path dir = Files.createDirectory(parent.resolve("b"));
        try (LocalShare share = LocalShare.open("b", dir, new QidMapper())) {
            Node root = share.root().rootNode();
            FileStat stat = Inodes.stat(root);
            long mount = MountIds.of(root);
            assertTrue(mount != MountIds.UNKNOWN, "the root's mount id");
            RemovedShareDirectory checked = new RemovedShareDirectory("b", dir.toString(), root, mount, REFUSING);
            checked.requireReachable(root, stat);
            checked.requireReachable(root, stat);
            for (Path over : new Path[] {dir, parent}) {
                assumeTrue(run("mount", "-t", "tmpfs", "over-b", over.toString()) == 0, "mounts need root");
                try {
                    P9Exception stale = assertThrows(P9Exception.class, () -> checked.requireReachable(root, stat));
                    assertEquals(Errno.ESTALE, stale.errno(), over.toString());
                } finally {
                    run("umount", "-l", over.toString());
                }
                checked.requireReachable(root, stat);
            }
        }
    }

    /**
     * A file system mounted over a directory above the root's own mount point hides the root's mount and the share
     * with it, as one over the share's path does: the table listed it, yet only mounts at or below the root's mount
     * point were counted, and the attach was served where no host path reaches.
     */
    @Test
    void aMountAboveTheRootsMountPointIsSeenInTheMountTable() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "mounting tmpfs needs root");
        Path above = Files.createDirectory(tmp.resolve("above"));
        Path fs = Files.createDirectory(above.resolve("fs"));
        assumeTrue(run("mount", "-t", "tmpfs", "own-b", fs.toString()) == 0, "mount -t tmpfs");
        try {
            Path dir = Files.createDirectories(fs.resolve("vms").resolve("b"));
            try (LocalShare share = LocalShare.open("b", dir, new QidMapper())) {
                Node root = share.root().rootNode();
                FileStat stat = Inodes.stat(root);
                long mount = MountIds.of(root);
                RemovedShareDirectory checked = new RemovedShareDirectory("b", dir.toString(), root, mount, REFUSING);
                checked.requireReachable(root, stat);
                assumeTrue(run("mount", "-t", "tmpfs", "over-above", above.toString()) == 0, "mount -t tmpfs");
                try {
                    P9Exception stale = assertThrows(P9Exception.class, () -> checked.requireReachable(root, stat));
                    assertEquals(Errno.ESTALE, stale.errno());
                } finally {
                    run("umount", "-l", above.toString());
                }
                checked.requireReachable(root, stat);
            }
        } finally {
            run("umount", "-l", fs.toString());
        }
    }

    /**
     * Where a guest of the outer share named a directory on the nested share's path: mountinfo escapes space, tab,
     * newline and backslash as \ooo but writes a carriage return as it is, which a line reader that also ends lines
     * at '\r' read as two lines, the mount over the share lost with the second half. A tmpfs over the share is ESTALE
     * whatever the name, and a mount over a sibling whose name the share's begins with ("b" and "b2") hides nothing.
     */
    @ParameterizedTest
    @ValueSource(strings = {"v\rx", "v x", "v\nx", "v\\134x", "v\tx"})
    void aMountOverTheShareIsSeenWhateverTheGuestNamedTheDirectoryAboveIt(String name) throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "mounting tmpfs needs root");
        Path dir = Files.createDirectories(tmp.resolve(name).resolve("b"));
        Path sibling = Files.createDirectories(tmp.resolve(name).resolve("b2"));
        try (LocalShare share = LocalShare.open("b", dir, new QidMapper())) {
            Node root = share.root().rootNode();
            FileStat stat = Inodes.stat(root);
            RemovedShareDirectory checked =
                    new RemovedShareDirectory("b", dir.toString(), root, MountIds.of(root), REFUSING);
            checked.requireReachable(root, stat);
            mount(sibling);
            try {
                checked.requireReachable(root, stat);
            } finally {
                run("umount", "-l", sibling.toString());
            }
            mount(dir);
            try {
                P9Exception stale = assertThrows(P9Exception.class, () -> checked.requireReachable(root, stat));
                assertEquals(Errno.ESTALE, stale.errno());
            } finally {
                run("umount", "-l", dir.toString());
            }
            checked.requireReachable(root, stat);
        }
    }

    private static void mount(Path over) throws Exception {
        assumeTrue(run("mount", "-t", "tmpfs", "over", over.toString()) == 0, "mount -t tmpfs");
    }

    /**
     * The share's directory bound onto itself since the start is the same directory at the path (served where the
     * gateway may stat it: OvermountedShareRootAttackTest), and the mount table names it so: the same device and
     * directory of it. Where the gateway may not search the path (a guest's chmod 000 above a nested share) the
     * table's answer must be the same, or that guest's chmod kept the nested share's VM from mounting it; a tmpfs
     * then mounted over the bind still hides it, and so
     * does a bind of another directory of the same file system.
     */
    @Test
    void theDirectoryBoundOntoItselfIsServedFromTheMountTableToo() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "mounting needs root");
        Path dir = Files.createDirectories(tmp.resolve("vms").resolve("b"));
        Path sibling = Files.createDirectories(tmp.resolve("vms").resolve("c"));
        try (LocalShare share = LocalShare.open("b", dir, new QidMapper())) {
            Node root = share.root().rootNode();
            FileStat stat = Inodes.stat(root);
            RemovedShareDirectory checked =
                    new RemovedShareDirectory("b", dir.toString(), root, MountIds.of(root), REFUSING);
            assumeTrue(run("mount", "--bind", dir.toString(), dir.toString()) == 0, "mount --bind");
            try {
                checked.requireReachable(root, stat);
                String[][] overs = {
                    {"mount", "-t", "tmpfs", "over-bind", dir.toString()},
                    {"mount", "--bind", sibling.toString(), dir.toString()} // same device, another directory
                };
                for (String[] over : overs) {
                    assumeTrue(run(over) == 0, String.join(" ", over));
                    try {
                        P9Exception stale = assertThrows(P9Exception.class, () -> checked.requireReachable(root, stat));
                        assertEquals(Errno.ESTALE, stale.errno(), over[2]);
                    } finally {
                        run("umount", "-l", dir.toString());
                    }
                }
                checked.requireReachable(root, stat);
            } finally {
                run("umount", "-l", dir.toString());
            }
        }
    }

    /**
     * The nested share's path is an admin's symlink ({@code srv/b -> a/vms/b}, docs/policy.md) and a guest of the
     * outer share chmods {@code vms} 000: an unprivileged gateway may not follow the path (the seam's EACCES for a
     * followed look and for anything below vms). The admin then points the symlink at {@code a/vms/c}: a new attach
     * was served from the old target without a word, the mount table knowing nothing of symlinks. The symlink itself
     * is readable (its directory is searchable): its text, followed as far as the gateway may look, no longer leads
     * to the served root's path, so the attach is ESTALE with one WARNING naming the path. Not repointed, it is still
     * served (the guest's chmod keeps no other VM from attaching). The symlink's text past vms is taken as written.
     */
    @Test
    void aRepointedSymlinkBehindADirectoryTheGatewayMayNotSearchIsStale() throws Exception {
        Path vms = Files.createDirectories(tmp.resolve("a").resolve("vms"));
        Path b = Files.createDirectory(vms.resolve("b"));
        Files.createDirectory(vms.resolve("c"));
        Path link = Files.createDirectory(tmp.resolve("srv")).resolve("b");
        Files.createSymbolicLink(link, b);
        RemovedShareDirectory.HostPaths unsearchableVms = new RemovedShareDirectory.HostPaths() {
            @Override
            public FileStat stat(String path, boolean follow) throws P9Exception {
                if (follow || path.startsWith(vms + "/")) {
                    throw new P9Exception(Errno.EACCES, "seam: " + vms + " is 000");
                }
                return Inodes.statOfHostPath(path);
            }

            @Override
            public String linkText(String path) throws P9Exception {
                if (path.startsWith(vms + "/")) {
                    throw new P9Exception(Errno.EACCES, "seam: " + vms + " is 000");
                }
                return RemovedShareDirectory.HostPaths.super.linkText(path);
            }
        };
        try (LoggedLines log = new LoggedLines("io.p9gate");
                LocalShare share = LocalShare.open("b", link, new QidMapper())) {
            Node root = share.root().rootNode();
            FileStat stat = Inodes.stat(root);
            RemovedShareDirectory checked =
                    new RemovedShareDirectory("b", link.toString(), root, MountIds.of(root), unsearchableVms);
            checked.requireReachable(root, stat);
            assertEquals(List.of(), log.startingWith("share 'b'"), "not repointed: served");

            Files.delete(link);
            Files.createSymbolicLink(link, Path.of("../a/vms/c"));
            P9Exception stale = assertThrows(P9Exception.class, () -> checked.requireReachable(root, stat));
            assertEquals(Errno.ESTALE, stale.errno(), stale.toString());
            List<String> told = log.startingWith("share 'b' (" + link + ")");
            assertEquals(1, told.size(), told.toString());
            assertTrue(told.getFirst().contains("now leads to another directory"), told.getFirst());

            Files.delete(link);
            Files.createSymbolicLink(link, b);
            checked.requireReachable(root, stat);
        }
    }

    private static int run(String... command) throws Exception {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
