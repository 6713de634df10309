package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-6): xattr values as storage past a quota. A quota counts regular files' sizes and bounds the
 * rest by inodes, on the premise that an inode's xattrs take about one block, as on a default ext4. On XFS and
 * btrfs (no limit on a file's count of xattrs) and on ext4 with {@code ea_inode} (each value in an inode of its
 * own, uncounted by the quota), one file the quota counts as 0 bytes and one inode held 64 KiB values by the
 * dozen: 3.4 MB per file on ext4, without bound on XFS, so a 1 MiB, 50-inode quota let the VM put hundreds of
 * megabytes on the host's disk. Run on an ext4 {@code ea_inode} loop mount (root only).
 */
class QuotaXattrStorageAttackTest {
    private static final int VALUE = 64 * 1024;
    private static final int CACHE = 1;
    private static final int FILE = 2;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @TempDir
    Path image;

    @Test
    void aFilesXattrsHoldNoMoreThanAQuotaLetsAnInodeTake() throws Exception {
        mountEaInodeImage();
        try {
            Files.createDirectories(target.scope);
            P9Client c = target.start().connect();
            c.walk(ROOT, CACHE, "work", "cache");
            c.walk(CACHE, FILE);
            c.lcreate(FILE, "f", O_RDWR, 0644, 0);
            c.clunk(FILE);

            Random random = new Random(7);
            long stored = 0;
            P9Exception refused = null;
            for (int i = 0; i < 2 * LIMIT / VALUE && refused == null; i++) {
                byte[] value = new byte[VALUE];
                random.nextBytes(value); // ext4 shares equal values between inodes: each must be its own
                c.walk(CACHE, FILE, "f");
                try {
                    c.rpc(new TMessage.Txattrcreate(FILE, "user.v" + i, VALUE, 0));
                    assertEquals(VALUE, c.write(FILE, 0, value));
                    c.clunk(FILE);
                    stored += VALUE;
                } catch (P9Exception e) {
                    refused = e;
                }
            }
            assertTrue(
                    stored <= LIMIT / 8,
                    stored + " bytes of xattr values on one file of a " + LIMIT + "-byte quota's scope");
            assertEquals(Errno.EDQUOT, refused == null ? null : refused.errno());

            // Refused before the host took anything: the file has only what the quota let it keep.
            P9Exception one = assertThrows(P9Exception.class, () -> {
                c.walk(CACHE, 3, "f");
                c.rpc(new TMessage.Txattrcreate(3, "user.more", VALUE, 0));
                c.write(3, 0, new byte[VALUE]);
                c.clunk(3);
            });
            assertEquals(Errno.EDQUOT, one.errno());
        } finally {
            run("umount", "-l", target.share.toString());
        }
    }

    /**
     * A file that already holds more than the bound (values the host set, or set before the bound existed) may
     * still have a value replaced by a smaller one: only a change that grows past the bound is refused.
     */
    @Test
    void aFileAlreadyPastTheBoundMayShrink() throws Exception {
        mountEaInodeImage();
        try {
            Files.createDirectories(target.scope);
            Path f = Files.writeString(target.scope.resolve("f"), "");
            byte[] big = new byte[8192];
            new Random(3).nextBytes(big);
            UserDefinedFileAttributeView view = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
            view.write("big", ByteBuffer.wrap(big));
            view.write("small", ByteBuffer.wrap(new byte[100]));
            P9Client c = target.start().connect();
            c.walk(ROOT, CACHE, "work", "cache");
            c.walk(CACHE, FILE, "f");
            c.rpc(new TMessage.Txattrcreate(FILE, "user.small", 10, 0));
            assertEquals(10, c.write(FILE, 0, new byte[10]));
            c.clunk(FILE);
            assertEquals(10, view.read("small", ByteBuffer.allocate(16384)), "user.small's new value");
        } finally {
            run("umount", "-l", target.share.toString());
        }
    }

    private void mountEaInodeImage() throws IOException, InterruptedException {
        assumeRoot("mounting an ext4 ea_inode image");
        Path img = image.resolve("ea_inode.img");
        try (RandomAccessFile file = new RandomAccessFile(img.toFile(), "rw")) {
            file.setLength(64L << 20);
        }
        assumeTrue(run("mkfs.ext4", "-q", "-F", "-O", "ea_inode", img.toString()), "mkfs.ext4 -O ea_inode");
        assumeTrue(run("mount", "-o", "loop", img.toString(), target.share.toString()), "mount -o loop");
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
    }
}
