package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.KeptSetIdLocks;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Twrite the VM's quota refuses (EDQUOT) clears set-id bits as one the host's full file system refuses
 * (SetIdOnAFullShareWriteTest): Linux's disk quota answers EDQUOT from the block allocation, after file_remove_privs,
 * which stays done. The gateway's quota refuses before the pwrite, where the host's clearing was not emulated.
 */
class SetIdOnAQuotaRefusedWriteTest {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    /** A write through an O_DSYNC open waits for the disk: it runs on a worker, never on the connection's loop. */
    private static final int O_DSYNC = 010000;

    private static final int LIMIT = 1 << 16;
    private static final byte[] BYTES = "guest bytes".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** Before: the user's write was refused, and its VM's root's set-uid program was still shown set-uid (04757). */
    @Test
    void aUsersWriteRefusedByTheQuotaClearsTheKeptBitsAsLinuxDoes() throws Exception {
        try (HostShareGateway gw = quotaed();
                P9Client root = gw.attached("data", 0);
                P9Client user = gw.attached("data", 1000)) {
            root.walk(0, 1, "cache");
            root.lcreate(1, "program", O_RDWR, 04757, 0);
            assertEquals(BYTES.length, root.write(1, 0, BYTES));
            assertEquals(04757, root.getattr(1, Attr.GETATTR_ALL).mode() & 07777);

            user.walk(0, 1, "cache", "program");
            user.lopen(1, O_WRONLY);
            P9Exception refused = assertThrows(P9Exception.class, () -> user.write(1, LIMIT, BYTES));
            assertEquals(Errno.EDQUOT, refused.errno());

            int shown = root.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
            assertEquals(0757, shown, Integer.toOctalString(shown));
        }
    }

    /** The VM's root's refused write keeps its own program's bits, as Linux's root (CAP_FSETID) does. */
    @Test
    void theRootsWriteRefusedByTheQuotaKeepsTheBits() throws Exception {
        try (HostShareGateway gw = quotaed();
                P9Client root = gw.attached("data", 0)) {
            root.walk(0, 1, "cache");
            root.lcreate(1, "program", O_RDWR, 04755, 0);
            P9Exception refused = assertThrows(P9Exception.class, () -> root.write(1, LIMIT, BYTES));
            assertEquals(Errno.EDQUOT, refused.errno());

            int shown = root.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
            assertEquals(04755, shown, Integer.toOctalString(shown));
        }
    }

    /**
     * The host's own set-uid bit (a program the host put in the share, of the VM's root): a user's write the quota
     * refuses clears it as Linux's refused write does. Before: the host inode and the guest's view kept 04757.
     */
    @Test
    void aUsersWriteRefusedByTheQuotaClearsTheHostsBitsAsLinuxDoes() throws Exception {
        assumeTrue(HostSetIdWriteAttackTest.CAN_CHOWN, "the host bit is shown only for an owner the VM's map names");
        try (HostShareGateway gw = quotaed();
                P9Client user = gw.attached("data", 1000)) {
            Path program = gw.root.resolve("data/cache/program");
            Files.write(program, BYTES); // made by the host after the start: the quota counts its growth only
            Files.setAttribute(program, "unix:uid", HostShareGateway.HOST_ID_BASE);
            Files.setAttribute(program, "unix:gid", HostShareGateway.HOST_ID_BASE);
            HostChmod.chmod(program, 04757);
            user.walk(0, 1, "cache", "program");
            user.lopen(1, O_WRONLY);
            assertEquals(04757, user.getattr(1, Attr.GETATTR_ALL).mode() & 07777, "shown before");
            P9Exception refused = assertThrows(P9Exception.class, () -> user.write(1, 2L * LIMIT, BYTES));
            assertEquals(Errno.EDQUOT, refused.errno());

            int shown = user.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
            assertEquals(0757, shown, "shown " + Integer.toOctalString(shown));
            assertEquals(0757, HostSetIdWriteRaceAttackTest.mode(program), "host");
        }
    }

    /**
     * The VM's root's chmod u-s of a host program landing between its refused write's look at the host's bits and its
     * take of them (seam KeptSetIdLocks.beforeKeeping): the take kept the bit the chmod had just taken off, and the
     * root's write keeps what it took, so the program was shown 04755 again. Linux leaves 0755 in either order.
     */
    @Test
    void aChmodLandingBeforeTheRefusedWriteTakesTheHostsBitsStands() throws Exception {
        assumeTrue(HostSetIdWriteAttackTest.CAN_CHOWN, "the host bit is shown only for an owner the VM's map names");
        try (HostShareGateway gw = quotaed();
                P9Client root = gw.attached("data", 0);
                P9Client other = gw.attached("data", 0)) {
            Path program = gw.root.resolve("data/cache/program");
            Files.write(program, BYTES);
            Files.setAttribute(program, "unix:uid", HostShareGateway.HOST_ID_BASE);
            Files.setAttribute(program, "unix:gid", HostShareGateway.HOST_ID_BASE);
            HostChmod.chmod(program, 04755);
            root.walk(0, 1, "cache", "program");
            root.lopen(1, O_WRONLY | O_DSYNC); // on a worker: the chmod is served meanwhile
            other.walk(0, 1, "cache", "program");
            AtomicBoolean once = new AtomicBoolean();
            KeptSetIdLocks.beforeKeeping(() -> {
                if (once.compareAndSet(false, true)) {
                    try {
                        other.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0755, 0, 0, 0, 0, 0, 0, 0));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            try {
                P9Exception refused = assertThrows(P9Exception.class, () -> root.write(1, 2L * LIMIT, BYTES));
                assertEquals(Errno.EDQUOT, refused.errno());
            } finally {
                KeptSetIdLocks.beforeKeeping(null);
            }

            assertTrue(once.get(), "the chmod landed in the window");
            int shown = root.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
            assertEquals(0755, shown, "shown " + Integer.toOctalString(shown));
            assertEquals(0755, HostSetIdWriteRaceAttackTest.mode(program), "host");
        }
    }

    /** Share "data" whose /cache holds at most {@link #LIMIT} bytes. */
    private HostShareGateway quotaed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/cache")).getParent();
        Files.setPosixFilePermissions(
                dir.resolve("cache"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return HostShareGateway.serving(
                tmp,
                List.of(new HostShareGateway.Share(
                        "data", dir, "quotas:\n  - {path: /cache, bytes: %d, inodes: 10}".formatted(LIMIT))));
    }
}
