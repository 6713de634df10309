package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Set-id parity for a change that leaves the size as it was or lands far past the end: Linux's do_truncate asks
 * dentry_needs_remove_privs whatever the new size (truncate -s of a set-uid file's own size by another user leaves it
 * 0757), and a write past EOF clears as any write. A truncate or write skipped for an unchanged size, or taken for
 * no change, would leave the VM's root's program set-uid with another user's hand on it (no defect found: pins).
 */
class SetIdOnUnchangedSizeTest {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final byte[] BYTES = "guest bytes".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @Test
    void aUsersTruncateToTheSameSizeClearsTheKeptBits() throws Exception {
        afterTheUsersChange(user -> {
            user.walk(0, 1, "program");
            user.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, BYTES.length, 0, 0, 0, 0));
        });
    }

    @Test
    void aUsersWriteFarPastTheEndClearsTheKeptBits() throws Exception {
        afterTheUsersChange(user -> {
            user.walk(0, 1, "program");
            user.lopen(1, O_WRONLY);
            assertEquals(BYTES.length, user.write(1, 1L << 40, BYTES));
        });
    }

    @FunctionalInterface
    private interface Change {
        void by(P9Client user) throws Exception;
    }

    /** The VM's root's 04757 program of {@link #BYTES}, changed by guest user 1000: 0757 after, its data kept. */
    private void afterTheUsersChange(Change change) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Files.setPosixFilePermissions(gw.share("data"), PosixFilePermissions.fromString("rwxrwxrwx"));
            try (P9Client root = gw.attached("data", 0);
                    P9Client user = gw.attached("data", 1000)) {
                rootsProgram(root);
                change.by(user);

                assertEquals(BYTES.length, root.read(1, 0, BYTES.length).length);
                int shown = root.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
                assertEquals(0757, shown, Integer.toOctalString(shown));
            }
        }
    }

    /** The VM's root's 04757 program, open as root's fid 1. */
    private static void rootsProgram(P9Client root) throws Exception {
        root.walk(0, 1);
        root.lcreate(1, "program", O_RDWR, 04757, 0);
        assertEquals(BYTES.length, root.write(1, 0, BYTES));
        assertEquals(04757, root.getattr(1, Attr.GETATTR_ALL).mode() & 07777);
    }
}
