package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
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

    private ScratchMount mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            mounted.close();
        }
    }

    /** Before: 1941 mkdirs admitted, the free space 285 KiB below the reserve, the next change EIO (1 MiB margin). */
    @Test
    void aFloodOfDirectoriesStopsAtTheLast20PercentAboveTheReserve() throws Exception {
        Path fs = mountExt4(64, 16384);
        long reserve = reserveBelow(fs, 4 << 20);
        try (AuditedPolicyGateway rig = loggingOn(fs, reserve);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            alpha.walk(0, 1);
            Flood flood = Flood.until(2000, i -> alpha.mkdir(1, "d" + i, 0755, 0));
            assertNotNull(flood.refused(), "2000 directories (8 MiB) admitted");
            long left = Files.getFileStore(fs).getUsableSpace() - reserve;
            String made = flood.made() + " directories made, " + left + " bytes left";
            assertEquals(Errno.ENOSPC, flood.refused().errno(), made);
            assertTrue(left > reserve / 5 - (256 << 10), made);
            assertTrue(flood.made() > 100, "directories are made up to the mark: " + made);
            assertServed(beta);
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
        try (AuditedPolicyGateway rig = loggingOn(fs, reserve);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            Flood flood = Flood.until(2000, i -> {
                alpha.walk(0, 1);
                alpha.lcreate(1, "e" + i, 1, 0644, 0);
                alpha.clunk(1);
            });
            assertNotNull(flood.refused());
            long free = freeInodes(fs);
            String made = flood.made() + " files made, " + free + " inodes left";
            assertEquals(Errno.ENOSPC, flood.refused().errno(), made);
            assertTrue(free >= INODE_RESERVE, made);
            assertServed(beta);
        }
    }

    /**
     * Before: a 1-byte Twrite into each 4 KiB hole of a sparse file counted 1 byte of data, though ext4 gives it a
     * block: 473 were admitted where 237 fit, 962 KiB past the 20 % mark (up to ~3.4 MiB: 14 times the 256 KiB
     * counted between two readings of the free space; with a reserve under ~17 MiB, into the reserve itself).
     */
    @Test
    void oneByteWritesIntoHolesStopAtTheLast20PercentAboveTheReserve() throws Exception {
        Path fs = mountExt4(64, 4096);
        long reserve = reserveBelow(fs, 2 << 20);
        try (AuditedPolicyGateway rig = loggingOn(fs, reserve);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            alpha.walk(0, 1);
            alpha.lcreate(1, "sparse", 1, 0644, 0);
            Flood flood = Flood.until(4000, i -> alpha.write(1, (long) i * 4096, new byte[] {1}));
            assertNotNull(flood.refused(), "4000 blocks (16 MiB) admitted");
            long left = Files.getFileStore(fs).getUsableSpace() - reserve;
            String written = flood.made() + " blocks written, " + left + " bytes left, the mark at " + reserve / 5;
            assertEquals(Errno.ENOSPC, flood.refused().errno(), written);
            assertTrue(left > reserve / 5 - (32 << 10), written);
            assertServed(beta);
        }
    }

    /**
     * An xattr value too long for the inode takes a block of its own on ext4 (one per file), however short. Before,
     * counted as its name and value only (~120 bytes), a 107-byte value set on each of the host's files: 230 admitted
     * where 204 fit, 32 KiB past the 20 % mark (the records of each, counted, made up most of the block).
     */
    @Test
    void shortXattrsOnManyFilesStopAtTheLast20PercentAboveTheReserve() throws Exception {
        Path fs = mountExt4(64, 8192);
        long reserve = reserveBelow(fs, 2 << 20);
        try (AuditedPolicyGateway rig = loggingOn(fs, reserve);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            Path shared = rig.policy.data;
            for (int i = 0; i < 3000; i++) {
                Files.createFile(shared.resolve("x" + i)); // the host's files: no block of their own yet
            }
            Flood flood = Flood.until(3000, i -> {
                alpha.walk(0, 1, "x" + i);
                byte[] value = ("value " + i + " ".repeat(100)).getBytes(StandardCharsets.UTF_8);
                alpha.rpc(new TMessage.Txattrcreate(1, "user.a", value.length, 0));
                alpha.write(1, 0, value);
                alpha.clunk(1);
            });
            assertNotNull(flood.refused(), "3000 xattr blocks (12 MiB) admitted");
            long left = Files.getFileStore(fs).getUsableSpace() - reserve;
            String set = flood.made() + " xattrs set, " + left + " bytes left, the mark at " + reserve / 5;
            assertEquals(Errno.ENOSPC, flood.refused().errno(), set);
            assertTrue(left > reserve / 5 - (16 << 10), set);
            assertServed(beta);
        }
    }

    /** A free-space reserve that leaves {@code margin} bytes of {@code fs} above the last 20 % (less the log's). */
    private static long reserveBelow(Path fs, long margin) throws IOException {
        return (Files.getFileStore(fs).getUsableSpace() - margin) * 5 / 6;
    }

    /** A gateway whose log is on {@code fs}, with a free-space reserve, and both VMs' shares there too. */
    private static AuditedPolicyGateway loggingOn(Path fs, long reserve) throws Exception {
        return new AuditedPolicyGateway(fs, l -> AuditDiskBudgetAttackTest.onTheLogsFileSystem(l, reserve));
    }

    /** The other VM is still served. */
    private static void assertServed(P9Client beta) throws Exception {
        beta.walk(0, 2, "readme");
        beta.lopen(2, 0);
        assertArrayEquals("beta's view".getBytes(StandardCharsets.UTF_8), beta.read(2, 0, 100));
    }

    /** A guest's change number {@code i}. */
    @FunctionalInterface
    private interface Change {
        void make(int i) throws Exception;
    }

    /** Changes made one after another until one is refused ({@code refused}, null if none) or enough are made. */
    private record Flood(P9Exception refused, int made) {
        static Flood until(int most, Change change) throws Exception {
            for (int i = 0; i < most; i++) {
                try {
                    change.make(i);
                } catch (P9Exception e) {
                    return new Flood(e, i);
                }
            }
            return new Flood(null, most);
        }
    }

    /** A fresh ext4 of {@code mib} MiB with {@code inodes} inodes, loop-mounted. */
    private Path mountExt4(int mib, int inodes) throws Exception {
        mounted = ScratchMount.ext4(image, mib, inodes);
        return mounted.dir;
    }

    /** f_ffree of {@code fs} (root's view: f_favail on ext4). */
    private static long freeInodes(Path fs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-f", "-c", "%d", fs.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, p.waitFor());
        return Long.parseLong(out);
    }
}
