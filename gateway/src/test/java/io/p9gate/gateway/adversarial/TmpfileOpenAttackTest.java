package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-3, R-POL-6), a defence that holds: Tlopen's flags are the guest's, and Linux's O_TMPFILE (with
 * O_DIRECTORY) opens a <em>directory</em> for writing and makes an unnamed file in it, which linkat(AT_EMPTY_PATH)
 * could then name. Passed through, a guest would create a file in a read-only subtree or outside its quota's count,
 * no CREATE ever asked. A directory opened with write access (O_TMPFILE is one) is refused before anything is made:
 * EROFS in the read-only subtree, EISDIR elsewhere; no file appears and nothing can be linked from the fid.
 */
class TmpfileOpenAttackTest {
    private static final int O_RDWR = 02;
    private static final int O_WRONLY = 01;
    /** Linux's O_TMPFILE: __O_TMPFILE | O_DIRECTORY. */
    private static final int O_TMPFILE = 020000000 | 0200000;

    @TempDir
    Path tmp;

    @Test
    void aDirectoryOpenedAsATemporaryFileMakesNothing() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                read-only: [/base]
                quotas:
                  - {path: /cache, bytes: 1KiB, inodes: 1}
                """, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("base"));
            Files.createDirectories(share.resolve("cache"));
            try (P9Client guest = gw.attached("data", 0)) {
                for (var dir : List.of(new Case("base", Errno.EROFS), new Case("cache", Errno.EISDIR))) {
                    for (int access : new int[] {O_RDWR, O_WRONLY}) {
                        guest.walk(0, 1, dir.name());
                        assertEquals(
                                dir.errno(),
                                assertThrows(P9Exception.class, () -> guest.lopen(1, O_TMPFILE | access))
                                        .errno(),
                                dir.name() + " opened O_TMPFILE with access " + access);
                        assertEquals(
                                Errno.EBADF,
                                assertThrows(P9Exception.class, () -> guest.write(1, 0, new byte[] {'x'}))
                                        .errno(),
                                "nothing opened to write through");
                        guest.walk(0, 2, dir.name());
                        assertThrows(P9Exception.class, () -> guest.link(2, 1, "named"), "the directory linked");
                        guest.clunk(2);
                        guest.clunk(1);
                    }
                }
            }
            for (String dir : List.of("base", "cache")) {
                try (Stream<Path> entries = Files.list(share.resolve(dir))) {
                    assertEquals(List.of(), entries.toList(), "nothing made in " + dir);
                }
            }
        }
    }

    private record Case(String name, Errno errno) {}
}
