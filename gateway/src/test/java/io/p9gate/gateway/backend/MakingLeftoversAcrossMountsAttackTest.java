package io.p9gate.gateway.backend;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leftover sweep at share open goes where the share's guests go (docs/filesystem.md): across a mount inside the
 * share (a bind mount, another file system), whose entries the gateway makes as anywhere else, but never into a
 * kernel pseudo filesystem, which no lookup enters ({@link KernelFilesystems}: EACCES). It entered them: a cgroup
 * hierarchy mounted inside the share (a root filesystem that is also a chroot) had its cgroup of a reserved name
 * removed by the gateway's start, the host kernel's state, not a leftover of the gateway's; and a {@code proc} or
 * {@code sys} mounted there was walked whole, 1,024 levels deep, before any VM was served.
 */
class MakingLeftoversAcrossMountsAttackTest {
    @TempDir
    Path tmp;

    @Test
    void theSweepNeverEntersAKernelFilesystemMountedInside() throws Exception {
        assumeRoot("mounting cgroup2");
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path cgroups = Files.createDirectories(share.resolve("sys/fs/cgroup"));
        assumeTrue(run("mount", "-t", "cgroup2", "none", cgroups.toString()), "mount -t cgroup2");
        Path cgroup = cgroups.resolve(Names.MAKING_PREFIX + "kernel");
        try {
            Files.createDirectory(cgroup); // a cgroup: empty to rmdir, as a leftover directory would be
            Path leftover = Files.createDirectory(share.resolve(Names.MAKING_PREFIX + "own"));
            try (ShareRoot root = ShareRoot.open(share, new QidMapper())) {
                MakingLeftovers.Swept swept = MakingLeftovers.sweep(root.rootNode());
                assertEquals(1, swept.removed(), "the share's own leftover alone: " + swept);
                assertTrue(swept.kept().isEmpty(), "nothing of the kernel's named: " + swept.kept());
            }
            assertFalse(Files.exists(leftover), "the share's own leftover is swept");
            assertTrue(Files.isDirectory(cgroup), "the sweep removed a cgroup of the host kernel");
        } finally {
            Files.deleteIfExists(cgroup);
            run("umount", "-l", cgroups.toString());
        }
    }

    /** A tmpfs (or a bind mount) inside the share is served, its entries made as the share's: its leftovers go. */
    @Test
    void theSweepCrossesIntoAMountTheShareServes() throws Exception {
        assumeRoot("mounting tmpfs");
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path mounted = Files.createDirectories(share.resolve("scratch"));
        assumeTrue(run("mount", "-t", "tmpfs", "none", mounted.toString()), "mount -t tmpfs");
        try {
            Path leftover = Files.createDirectories(mounted.resolve("d").resolve(Names.MAKING_PREFIX + "x"));
            try (ShareRoot root = ShareRoot.open(share, new QidMapper())) {
                MakingLeftovers.Swept swept = MakingLeftovers.sweep(root.rootNode());
                assertEquals(1, swept.removed(), "the leftover on the mount the share serves: " + swept);
            }
            assertFalse(Files.exists(leftover));
        } finally {
            run("umount", "-l", mounted.toString());
        }
    }

    /**
     * A directory bound inside itself (or its ancestor bound below it) is one directory reached again: the sweep walked
     * it once more below the mount, and named each leftover it kept once per path to it. A loop a file system presents
     * (a FUSE mount of the share inside itself) went on to the 1,024-level bound, and two such mounts made the walk
     * exponential. A directory whose device and inode an ancestor has is not entered again.
     */
    @Test
    void aDirectoryBoundInsideItselfIsSweptOnce() throws Exception {
        assumeRoot("bind mounting");
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path loop = Files.createDirectories(share.resolve("loop"));
        Files.writeString(share.resolve(Names.MAKING_PREFIX + "data"), "a guest's data, no other name");
        assumeTrue(run("mount", "--bind", share.toString(), loop.toString()), "mount --bind");
        try (ShareRoot root = ShareRoot.open(share, new QidMapper())) {
            MakingLeftovers.Swept swept = MakingLeftovers.sweep(root.rootNode());
            assertEquals(1, swept.kept().size(), "the one leftover, named once: " + swept.kept());
            assertEquals(0, swept.removed(), swept.toString());
        } finally {
            run("umount", "-l", loop.toString());
        }
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
    }
}
