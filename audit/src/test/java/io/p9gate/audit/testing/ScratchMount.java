package io.p9gate.audit.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small file system of a test's own, to fill up: a tmpfs, or an ext4 image on a loop device. Mounting needs
 * root; the test is skipped, saying why, where it cannot be done. Closing unmounts it (lazily: a descriptor a
 * failed test left open must not keep it mounted).
 */
public final class ScratchMount implements AutoCloseable {
    public final Path dir;

    private ScratchMount(Path dir) {
        this.dir = dir;
    }

    /** A tmpfs at a new directory {@code at} with the mount options {@code options} ({@code size=8m,nr_inodes=64}). */
    public static ScratchMount tmpfs(Path at, String options) throws Exception {
        Path target = Files.createDirectory(at);
        assumeTrue(
                run("mount", "-t", "tmpfs", "-o", options, "tmpfs", target.toString()),
                "mounting a tmpfs needs a root test run");
        return new ScratchMount(target);
    }

    /** A fresh ext4 of {@code mib} MiB with {@code inodes} inodes, its image in {@code images}, loop-mounted. */
    public static ScratchMount ext4(Path images, int mib, int inodes) throws Exception {
        Path img = images.resolve("fs.img");
        try (RandomAccessFile file = new RandomAccessFile(img.toFile(), "rw")) {
            file.setLength((long) mib << 20);
        }
        Path target = Files.createDirectory(images.resolve("fs"));
        assumeTrue(run("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "" + inodes, img.toString()), "mkfs.ext4");
        assumeTrue(
                run("mount", "-o", "loop", img.toString(), target.toString()),
                "mounting an ext4 image needs a root test run and loop devices");
        return new ScratchMount(target);
    }

    /** Writes {@code file} until the file system has no room left; returns it, to be deleted to make room again. */
    public Path fill(String file) throws IOException {
        Path filler = dir.resolve(file);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            return filler;
        }
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
