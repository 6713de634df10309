package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (locks; R-ROB-2, one VM must not wedge another): byte-range locks are shared by every session
 * of the gateway, and Tlock was served on any fid, also one only walked to. A guest whose policy refuses opening
 * {@code /vault/db} at all still took a write lock on it and held it, so every other session's writer of that file
 * (another VM sharing the directory) got LOCK_BLOCKED for as long as it liked. A lock belongs to an open file, as
 * fcntl(2)'s does and as the Linux client sends it: Tlock and Tgetlock on an fid that is not open are EBADF.
 */
class LockWithoutOpenAttackTest {
    private static final int O_RDONLY = 0;

    @TempDir
    Path tmp;

    @Test
    void aFileThatCannotBeOpenedCannotBeLocked() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: vault, effect: deny, ops: [OPEN_READ, OPEN_WRITE], paths: ["/vault/**"]}
                """, "data")) {
            Files.createDirectories(gw.share("data").resolve("vault"));
            Files.writeString(gw.share("data").resolve("vault/db"), "records");
            Files.writeString(gw.share("data").resolve("notes"), "open to all");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "vault", "db");
                assertEquals(
                        Errno.EACCES,
                        assertThrows(P9Exception.class, () -> guest.lopen(1, O_RDONLY))
                                .errno());
                assertEquals(
                        Errno.EBADF,
                        assertThrows(P9Exception.class, () -> lock(guest, 1, LOCK_TYPE_WRLCK))
                                .errno(),
                        "locked a file it may not open");
                assertEquals(
                        Errno.EBADF,
                        assertThrows(
                                        P9Exception.class,
                                        () -> guest.rpc(new TMessage.Tgetlock(1, LOCK_TYPE_WRLCK, 0, 0, 1, "g")))
                                .errno());

                guest.walk(0, 2, "notes");
                guest.lopen(2, O_RDONLY);
                assertEquals(LOCK_SUCCESS, lock(guest, 2, LOCK_TYPE_RDLCK), "an open file locks as before");
                assertEquals(LOCK_SUCCESS, lock(guest, 2, LOCK_TYPE_WRLCK), "flock -x of a read-only open");
            }
        }
    }

    private static int lock(P9Client guest, int fid, int type) throws Exception {
        return ((RMessage.Rlock) guest.rpc(new TMessage.Tlock(fid, type, 0, 0, 0, 1, "g"))).status();
    }
}
