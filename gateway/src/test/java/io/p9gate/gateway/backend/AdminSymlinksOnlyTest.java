package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Share paths follow the admin's symlinks, never one inside a share's directory (R-CONF-1). */
class AdminSymlinksOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void aSymlinkInsideAShareNamesTheNearestShareAboveIt() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(a.resolve("b"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(b.resolve("c"), elsewhere);
        Path c = b.resolve("c");

        try (AdminSymlinksOnly paths = AdminSymlinksOnly.of(List.of(c, a, b))) {
            AdminSymlinksOnly.SymlinkInShare e =
                    assertThrows(AdminSymlinksOnly.SymlinkInShare.class, () -> paths.open(c));
            assertEquals(b, e.share());
            assertEquals(c.toString(), e.symlink());
            assertOpens(paths, a);
            assertOpens(paths, b);
        }
    }

    @Test
    void theAdminsSymlinksOutsideEverySharesDirectoryAreFollowed() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("real/a"));
        Files.createDirectories(a.resolve("vms/beta"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("real"));
        Path relative = Files.createSymbolicLink(tmp.resolve("rel"), Path.of("real/a/vms"));
        // Equal paths, one through a symlink, and ".." after a symlink taken where it leads, as the kernel does.
        List<Path> shares = List.of(
                link.resolve("a"), a, link.resolve("a/vms/beta"), relative.resolve("beta"), relative.resolve("../b"));
        Files.createDirectories(a.resolve("b"));

        try (AdminSymlinksOnly paths = AdminSymlinksOnly.of(shares)) {
            for (Path share : shares) {
                assertOpens(paths, share);
            }
        }
    }

    @Test
    void theSharesOwnDirectoryAsASymlinkInsideAnotherShareIsRefused() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path inner = Files.createSymbolicLink(a.resolve("inner"), Files.createDirectories(tmp.resolve("x")));

        try (AdminSymlinksOnly paths = AdminSymlinksOnly.of(List.of(a, inner))) {
            assertThrows(AdminSymlinksOnly.SymlinkInShare.class, () -> paths.open(inner));
        }
    }

    @Test
    void aFileIsNotADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "");

        try (AdminSymlinksOnly paths = AdminSymlinksOnly.of(List.of(file))) {
            assertEquals(
                    Errno.ENOTDIR,
                    assertThrows(P9Exception.class, () -> paths.open(file)).errno());
            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> paths.open(tmp.resolve("missing")))
                            .errno());
        }
    }

    /** Opens to the same directory as the kernel resolves the path to. */
    private static void assertOpens(AdminSymlinksOnly paths, Path share) throws Exception {
        try (Node node = paths.open(share);
                ShareRoot kernel = ShareRoot.open(share, new QidMapper())) {
            assertEquals(kernel.rootKey(), node.key(), share.toString());
        }
    }
}
