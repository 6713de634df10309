package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-CONF-1, a host rename and a hostile VM): alpha's writable share is {@code /srv/data}, beta's is
 * {@code /srv/data/b}, and beta holds a fid on {@code sub}. The host renames beta's share directory to {@code b-old}
 * while beta is attached (beta keeps serving it: the share is its open directory) and puts a symlink at {@code b},
 * which must never be followed. Alpha then replaces the symlink by a directory {@code b} and moves {@code b-old/sub}
 * into it. The kernel now names beta's fid {@code /srv/data/b/sub}, and the share's path cached from before the
 * host's rename, {@code /srv/data/b/}, made that "sub" in beta's share: beta walked into the directory, read the file
 * alpha put there and created one, outside the directory it serves, each decided and recorded as {@code sub/...}.
 * The share's path is read again after every rename that concerns it, so the fid is outside: EACCES.
 */
class MovedShareRootAttackTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aFidMovedWhereTheShareDirectoryWasIsOutsideTheShare() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("b/sub"));
        Path hostOnly = Files.createDirectories(tmp.resolve("host-only"));
        Files.writeString(hostOnly.resolve("token"), "host secret");
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data.resolve("b"), "")) {
            rig.beta.walk(0, 1, "sub");

            Files.move(data.resolve("b"), data.resolve("b-old"));
            Files.createSymbolicLink(data.resolve("b"), hostOnly);
            P9Exception followed =
                    assertThrows(P9Exception.class, () -> rig.beta.walk(0, 2, "token"), "beta followed the symlink");
            assertEquals(Errno.ENOENT, followed.errno());

            rig.alpha.unlinkat(0, "b", 0);
            rig.alpha.mkdir(0, "b", 0755, 0);
            rig.alpha.walk(0, 10, "b-old");
            rig.alpha.walk(0, 11, "b");
            rig.alpha.renameat(10, "sub", 11, "sub");
            Files.writeString(data.resolve("b/sub/later"), "not beta's");

            P9Exception walked = assertThrows(
                    P9Exception.class, () -> rig.beta.walk(1, 3, "later"), "beta walked outside its share");
            assertEquals(Errno.EACCES, walked.errno());
            P9Exception created = assertThrows(
                    P9Exception.class,
                    () -> rig.beta.lcreate(1, "new", O_RDWR, 0644, 0),
                    "beta created a file outside its share");
            assertEquals(Errno.EACCES, created.errno());
            assertFalse(Files.exists(data.resolve("b/sub/new")));
            assertEquals(
                    List.of(),
                    rig.records.stream()
                            .filter(r -> r.request().vm().equals("beta"))
                            .flatMap(r -> r.request().paths().stream())
                            .filter(p -> p.startsWith("sub/"))
                            .toList(),
                    "records of beta naming a path in its share that the file was not at");
        }
    }
}
