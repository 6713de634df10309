package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.read.HostAbi;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open flags the backend passes are this host's (HostAbi) and do what they are for here: x86_64 values on
 * aarch64 made O_NOFOLLOW O_LARGEFILE (a link followed) and O_DIRECTORY O_DIRECT (a file opened as a directory).
 */
class HostOpenFlagsTest {
    @TempDir
    Path tmp;

    @Test
    void theBackendsFlagsAreThisHosts() {
        HostAbi host = HostAbi.of(System.getProperty("os.arch"));
        assertEquals(host.oNoFollow(), LinuxSyscalls.O_NOFOLLOW);
        assertEquals(host.oDirectory(), LinuxSyscalls.O_DIRECTORY);
    }

    /** The pre-5.6 path of openBeneath and AdminSymlinksOnly's walk: openat with O_NOFOLLOW alone. */
    @Test
    void oNoFollowRefusesALinkAsTheLastName() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside"), "host secret");
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createSymbolicLink(share.resolve("link"), outside);
        int dir = openDirectory(share);
        try {
            P9Exception e = assertThrows(
                    P9Exception.class,
                    () -> LinuxSyscalls.openat(
                            dir,
                            "link",
                            LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_NOFOLLOW | LinuxSyscalls.O_CLOEXEC,
                            0));
            assertEquals(Errno.ELOOP, e.errno());
            P9Exception beneath = assertThrows(
                    P9Exception.class, () -> ConfinedOpens.openBeneath(dir, "link", LinuxSyscalls.O_RDONLY, 0));
            assertEquals(Errno.ELOOP, beneath.errno());
            int link = LinuxSyscalls.openat(
                    dir, "link", LinuxSyscalls.O_PATH | LinuxSyscalls.O_NOFOLLOW | LinuxSyscalls.O_CLOEXEC, 0);
            try { // O_PATH|O_NOFOLLOW holds the link itself, never its target
                assertEquals(
                        FileType.SYMLINK,
                        LinuxSyscalls.statx(link, "", LinuxSyscalls.AT_EMPTY_PATH)
                                .type());
            } finally {
                LinuxSyscalls.close(link);
            }
        } finally {
            LinuxSyscalls.close(dir);
        }
    }

    /** The directory opens of FileIo, Inodes, MakingLeftovers and the share root's own. */
    @Test
    void oDirectoryRefusesAFileAndOpensADirectory() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path file = Files.writeString(share.resolve("file"), "x");
        int dir = openDirectory(share);
        try {
            P9Exception e = assertThrows(
                    P9Exception.class,
                    () -> ConfinedOpens.openBeneath(
                            dir, "file", LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_DIRECTORY, 0));
            assertEquals(Errno.ENOTDIR, e.errno());
            P9Exception path = assertThrows(
                    P9Exception.class,
                    () -> LinuxSyscalls.openat(
                            LinuxSyscalls.AT_FDCWD,
                            file.toString(),
                            LinuxSyscalls.O_PATH | LinuxSyscalls.O_DIRECTORY | LinuxSyscalls.O_CLOEXEC,
                            0));
            assertEquals(Errno.ENOTDIR, path.errno());
            // A directory opens for reading with it (aarch64's O_DIRECT, x86_64's O_DIRECTORY value, was EINVAL).
            LinuxSyscalls.close(
                    ConfinedOpens.openBeneath(dir, ".", LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_DIRECTORY, 0));
        } finally {
            LinuxSyscalls.close(dir);
        }
    }

    private static int openDirectory(Path directory) throws P9Exception {
        return LinuxSyscalls.openat(
                LinuxSyscalls.AT_FDCWD,
                directory.toString(),
                LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_DIRECTORY | LinuxSyscalls.O_CLOEXEC,
                0);
    }
}
