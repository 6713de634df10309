package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.hostProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Twrite the host's full file system refuses (ENOSPC) after the kernel's write path cleared set-id bits: Linux's
 * file_remove_privs runs before the copy, whose page allocation fails, and the clearing is not undone (checked on a
 * full tmpfs with setpriv: a 04755 file written by root without CAP_FSETID is 0755 after the ENOSPC, 04755 with it).
 * The gateway must show what Linux would: a user's failed write clears the bits, the VM's root's keeps them.
 */
class SetIdOnAFullShareWriteTest {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final byte[] BYTES = "guest bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** Before: the user's write failed, and its VM's root's set-uid program was still shown set-uid (04757). */
    @Test
    void aUsersWriteRefusedForSpaceClearsTheKeptBitsAsLinuxDoes() throws Exception {
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=1m");
                HostShareGateway gw = HostShareGateway.serving(tmp, List.of(share(fs)))) {
            try (P9Client root = gw.attached("data", 0);
                    P9Client user = gw.attached("data", 1000)) {
                root.walk(0, 1);
                root.lcreate(1, "program", O_RDWR, 04757, 0);
                assertEquals(BYTES.length, root.write(1, 0, BYTES));
                assertEquals(04757, root.getattr(1, Attr.GETATTR_ALL).mode() & 07777);
                fs.fill("filler");

                writeRefusedForSpace(user);

                int shown = root.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(0757, shown, Integer.toOctalString(shown));
            }
        }
    }

    /** Before: the host's bits were cleared by the kernel and the kept value given back, the root's program 0755. */
    @Test
    void theRootsWriteRefusedForSpaceKeepsTheHostsBitsAsLinuxsRootDoes() throws Exception {
        assumeTrue(CAN_CHOWN, "a host program of the VM's root needs a root test run");
        try (ScratchMount fs = ScratchMount.tmpfs(tmp.resolve("fs"), "size=1m");
                HostShareGateway gw = HostShareGateway.serving(tmp, List.of(share(fs)))) {
            Path program = hostProgram(fs.dir.resolve("share"), "program", "rwsr-xr-x");
            try (P9Client root = gw.attached("data", 0)) {
                fs.fill("filler");
                writeRefusedForSpace(root);

                int shown = root.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(04755, shown, Integer.toOctalString(shown));
            }
            int onHost = (int) Files.getAttribute(program, "unix:mode") & 07777;
            assertEquals(0755, onHost, "on the host: " + Integer.toOctalString(onHost));
        }
    }

    /** Opens "program" for writing as fid 1 and writes a page past its end, which the full file system refuses. */
    private static void writeRefusedForSpace(P9Client writer) throws Exception {
        writer.walk(0, 1, "program");
        writer.lopen(1, O_WRONLY);
        P9Exception full = assertThrows(P9Exception.class, () -> writer.write(1, 1 << 20, BYTES));
        assumeTrue(full.errno() == Errno.ENOSPC, "a full tmpfs: " + full.errno());
    }

    private static HostShareGateway.Share share(ScratchMount fs) throws Exception {
        Path dir = Files.createDirectory(fs.dir.resolve("share"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new HostShareGateway.Share("data", dir, "");
    }
}
