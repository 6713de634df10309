package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-2, policy enforcement): under docs/policy.md's own kind of rule, a deny of OPEN_WRITE on
 * {@code *.sh} (no script is rewritten), Tlopen with O_TRUNC of {@code run.sh} is refused, but Tsetattr with a size
 * was asked only as SETATTR: a guest emptied the script ({@code truncate -s 0 run.sh}) or padded it with zeros,
 * changing its content as a write would. A size change is a write of the file's data, as truncate(2) needs write
 * permission: it is also asked OPEN_WRITE. Modes and times (SETATTR alone) still change as before.
 */
class TruncateWriteRuleAttackTest {
    private static final int S_IFREG = 0100000;

    @TempDir
    Path tmp;

    @Test
    void aSizeChangeIsAWriteOfTheFile() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: no-script-writes, effect: deny, ops: [OPEN_WRITE], paths: ["/**/*.sh"]}
                """, "data")) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("run.sh"), "echo safe\n");
            Files.writeString(share.resolve("notes.txt"), "some notes");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "run.sh");
                assertEquals(Errno.EACCES, refused(() -> guest.lopen(1, 01001 /* O_WRONLY|O_TRUNC */)), "open");
                assertEquals(Errno.EACCES, refused(() -> guest.setattr(1, size(0))), "truncate -s 0");
                assertEquals(Errno.EACCES, refused(() -> guest.setattr(1, size(1 << 20))), "truncate -s 1M");

                guest.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, S_IFREG | 0755, 0, 0, 0, 0, 0, 0, 0));
                guest.walk(0, 2, "notes.txt");
                guest.setattr(2, size(4)); // a file no rule protects truncates as before
            }
            assertEquals("echo safe\n", Files.readString(share.resolve("run.sh")));
            assertEquals("some", Files.readString(share.resolve("notes.txt")));
        }
    }

    private static SetAttr size(long size) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, size, 0, 0, 0, 0);
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}
