package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2 on a small real ext4 holding both the audit log (with a free-space reserve) and the VMs' shares, no share
 * quota: changes without data (mkdir, empty files) were admitted however little was left, though each takes the
 * file system's blocks (a directory 4 KiB) or inodes, which the log's budget did not count. A VM could so take the
 * free space kept for every VM's records, or every free inode (each rotation of the log makes a file). Now they are
 * counted: refused with ENOSPC in the last 20 % of the free space above the reserve, and before the last 1024 free
 * inodes, while the other VM's requests are still served and recorded.
 */
class LogFilesystemMetadataAttackTest {
    /** DiskBudget.MIN_FREE_INODES. */
    private static final long INODE_RESERVE = 1024;

    @TempDir
    Path image;

    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            run("umount", "-l", mounted.toString());
        }
    }

    /** Before: 1941 mkdirs admitted, the free space 285 KiB below the reserve, the next change EIO (1 MiB margin). */
    @Test
    void aFloodOfDirectoriesStopsAtTheLast20PercentAboveTheReserve() throws Exception {
        Path fs = mountExt4(64, 16384);
        long usable = Files.getFileStore(fs).getUsableSpace();
        long reserve = (usable - (4 << 20)) * 5 / 6; // 4 MiB above the last 20 % (the log takes ~1 MiB)
        try (AuditedPolicyGateway rig =
                        new AuditedPolicyGateway(fs, l -> AuditDiskBudgetAttackTest.onTheLogsFileSystem(l, reserve));
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            alpha.walk(0, 1);
            P9Exception refused = null;
            int made = 0;
            while (refused == null && made < 2000) {
                try {
                    alpha.mkdir(1, "d" + made, 0755, 0);
                    made++;
                } catch (P9Exception e) {
                    refused = e;
                }
            }
            assertNotNull(refused, "2000 directories (8 MiB) admitted");
            long left = Files.getFileStore(fs).getUsableSpace() - reserve;
            assertEquals(Errno.ENOSPC, refused.errno(), made + " directories made, " + left + " bytes left");
            assertTrue(left > reserve / 5 - (256 << 10), made + " directories made, " + left + " bytes left");
            assertTrue(made > 100, "directories are made up to the mark: " + made);
            beta.walk(0, 2, "readme");
            beta.lopen(2, 0);
            assertArrayEquals("beta's view".getBytes(StandardCharsets.UTF_8), beta.read(2, 0, 100));
        }
    }

    /** Before: the VM's empty files took every free inode of the log's file system (0 left). */
    @Test
    void aFloodOfEmptyFilesLeavesTheLogItsInodes() throws Exception {
        Path fs = mountExt4(64, 4096);
        Path filler = Files.createDirectories(fs.resolve("host-files"));
        for (long i = freeInodes(fs); i > INODE_RESERVE + 100; i--) {
            Files.createFile(filler.resolve("f" + i)); // the host's own files: all but 100 above the reserve
        }
        long reserve = Files.getFileStore(fs).getUsableSpace() / 4; // space is plenty: inodes run out first
        try (AuditedPolicyGateway rig =
                        new AuditedPolicyGateway(fs, l -> AuditDiskBudgetAttackTest.onTheLogsFileSystem(l, reserve));
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            P9Exception refused = null;
            int made = 0;
            while (refused == null && made < 2000) {
                try {
                    alpha.walk(0, 1);
                    alpha.lcreate(1, "e" + made, 1, 0644, 0);
                    alpha.clunk(1);
                    made++;
                } catch (P9Exception e) {
                    refused = e;
                }
            }
            assertNotNull(refused);
            long free = freeInodes(fs);
            assertEquals(Errno.ENOSPC, refused.errno(), made + " files made, " + free + " inodes left");
            assertTrue(free >= INODE_RESERVE, made + " files made, " + free + " inodes left");
            beta.walk(0, 2, "readme");
            beta.lopen(2, 0);
            assertArrayEquals("beta's view".getBytes(StandardCharsets.UTF_8), beta.read(2, 0, 100));
        }
    }

    /** A fresh ext4 of {@code mib} MiB with {@code inodes} inodes, loop-mounted. */
    private Path mountExt4(int mib, int inodes) throws Exception {
        assumeRoot("mounting an ext4 image");
        Path img = image.resolve("log-fs.img");
        try (RandomAccessFile file = new RandomAccessFile(img.toFile(), "rw")) {
            file.setLength((long) mib << 20);
        }
        Path target = Files.createDirectory(image.resolve("fs"));
        assumeTrue(run("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", "" + inodes, img.toString()), "mkfs.ext4");
        assumeTrue(run("mount", "-o", "loop", img.toString(), target.toString()), "mount -o loop");
        mounted = target;
        return target;
    }

    /** f_ffree of {@code fs} (root's view: f_favail on ext4). */
    private static long freeInodes(Path fs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-f", "-c", "%d", fs.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, p.waitFor());
        return Long.parseLong(out);
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
    }
}
