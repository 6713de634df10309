package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share opened beside shares that read kept set-id bits asks, for each of them, whether the two roots may reach
 * one inode ({@link OpenShares}): with every share on a file system of its own, it made an fstatfs of both roots per
 * pair, 2,450 for 50 shares at a start, though a root's file system type is known from its open. Counted through
 * {@link LinuxSyscalls#calls()}, never timed.
 */
class ShareOpenPairsTest {
    @TempDir
    Path tmp;

    private final List<Path> mounts = new ArrayList<>();

    private Path ownFileSystem(int i) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fs" + i));
        assumeTrue(
                new ProcessBuilder("mount", "-t", "tmpfs", "none", dir.toString())
                                .inheritIO()
                                .start()
                                .waitFor()
                        == 0,
                "mount -t tmpfs needs root");
        mounts.add(dir);
        return Files.createDirectories(dir.resolve("share"));
    }

    /** The system calls of opening (and closing) one share on a file system of its own, {@code reading} open. */
    private long openingBeside(int reading) throws Exception {
        List<ShareRoot> open = new ArrayList<>();
        try {
            for (int i = 0; i < reading; i++) {
                ShareRoot s = ShareRoot.open(ownFileSystem(mounts.size()), new QidMapper());
                s.setIdBitsKept();
                open.add(s);
            }
            Path last = ownFileSystem(mounts.size());
            long before = LinuxSyscalls.calls();
            ShareRoot.open(last, new QidMapper()).close();
            return LinuxSyscalls.calls() - before;
        } finally {
            for (ShareRoot s : open) {
                s.close();
            }
        }
    }

    @Test
    void aShareOpenedBesideOthersAsksNoFileSystemTypePerPair() throws Exception {
        try {
            long one = openingBeside(1);
            long many = openingBeside(49);
            assertTrue(many - one <= 48 * PER_OTHER, "beside 1: " + one + ", beside 49: " + many);
        } finally {
            for (Path m : mounts) {
                new ProcessBuilder("umount", "-l", m.toString())
                        .inheritIO()
                        .start()
                        .waitFor();
            }
        }
    }

    /**
     * The calls each other share costs: the climb of its root (is one root at or beneath the other?), about 15 here;
     * an fstatfs of both roots made it 17.
     */
    private static final long PER_OTHER = 16;
}
