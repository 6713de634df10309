package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small file system of a test's own, to fill up: a tmpfs, or an ext4 image on a loop device. Mounting needs
 * root; the test is skipped, saying why, where it cannot be done. Closing unmounts it (lazily: a descriptor a
 * failed test left open must not keep it mounted).
 */
final class ScratchMount implements AutoCloseable {
    final Path dir;

    private ScratchMount(Path dir) {
        this.dir = dir;
    }

    /** A tmpfs at a new directory {@code at} with the mount options {@code options} ({@code size=8m,nr_inodes=64}). */
    static ScratchMount tmpfs(Path at, String options) throws Exception {
        assumeRoot("mounting a tmpfs");
        Path target = Files.createDirectory(at);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", options, "tmpfs", target.toString()), "mount -t tmpfs");
        return new ScratchMount(target);
    }

    /** A fresh ext4 of {@code mib} MiB with {@code inodes} inodes, its image in {@code images}, loop-mounted. */
    static ScratchMount ext4(Path images, int mib, int inodes) throws Exception {
        assumeRoot("mounting an ext4 image");
        Path img = images.resolve("fs.img");
        try (RandomAccessFile file = new RandomAccessFile(img.toFile(), "rw")) {
            file.setLength((long) mib << 20);
        }
        Path target = Files.createDirectory(images.resolve("fs"));
        assumeTrue(run("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "" + inodes, img.toString()), "mkfs.ext4");
        assumeTrue(run("mount", "-o", "loop", img.toString(), target.toString()), "mount -o loop");
        return new ScratchMount(target);
    }

    @Override
    public void close() throws IOException {
        try {
            run("umount", "-l", dir.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + dir, e);
        }
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
    }
}
