package io.p9gate.gateway.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.cli.CliMessages;
import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.testing.ScratchMount;
import io.p9gate.gateway.backend.HostCredentials;
import io.p9gate.gateway.testing.Root;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pid file and FILE.reload as the gateway writes them ({@link RunFile}). */
class RunFileTest {
    @TempDir
    Path dir;

    /**
     * In a sticky directory (/tmp) a file another user made at the name is theirs: a gateway not running as root
     * cannot rename onto it (EPERM), which serve reported as "D/p9gate.pid.3k92q371dnfv0.tmp -> D/p9gate.pid:
     * Operation not permitted", naming a file that is gone and not why.
     */
    @Test
    void aFileAnotherUserOwnsInAStickyDirectoryIsRefusedSayingWhose() throws Exception {
        Root.assumeRoot("a file of another user, and a thread without CAP_FOWNER");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path sticky = Files.createDirectory(dir.resolve("tmp"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path pidFile = Files.writeString(sticky.resolve("p9gate.pid"), "1\n");
        Files.setAttribute(pidFile, "unix:uid", 4321);

        // fsuid 65534: the thread drops CAP_FOWNER, as a gateway run by an unprivileged user has none.
        IOException refused = HostCredentials.actingAs(65534, 65534, () -> {
            try {
                RunFile.replace(pidFile, "2\n");
                return null;
            } catch (IOException e) {
                return e;
            } catch (UncheckedIOException e) {
                return e.getCause();
            }
        });

        assertTrue(refused != null, "replaced another user's file");
        assertEquals(
                "cannot replace " + pidFile + ": Operation not permitted (it belongs to uid 4321, and in a sticky"
                        + " directory only its owner or root may replace it: remove it, or choose another place)",
                refused.getMessage());
        assertEquals(List.of(pidFile), Files.list(sticky).toList(), "no temporary file is left");
    }

    /**
     * A gateway killed between creating its temporary file and renaming it leaves FILE.RANDOM.tmp behind, and every
     * crash added one more. The next write removes those of its own pattern that are older than this process; a
     * newer one (another gateway writing the same name right now), another name, or another user's file stays.
     */
    @Test
    void aWriteRemovesTheTemporaryFilesACrashedWriterLeft() throws Exception {
        Path pidFile = dir.resolve("p9gate.pid");
        FileTime beforeThisProcess = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Path crashed = old(dir.resolve("p9gate.pid.3k92q371dnfv0.tmp"), beforeThisProcess);
        Path inFlight = Files.writeString(dir.resolve("p9gate.pid.1z.tmp"), "");
        Path otherName = old(dir.resolve("p9gate.pid.my-notes.tmp"), beforeThisProcess);
        Path otherFile = old(dir.resolve("other.pid.3k92q371dnfv0.tmp"), beforeThisProcess);

        RunFile.replace(pidFile, "2\n");

        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(
                    List.of(otherFile, pidFile, inFlight, otherName),
                    left.sorted().toList(),
                    "only the crashed writer's file is gone");
        }
        assertEquals("2\n", Files.readString(pidFile));
        assertTrue(Files.notExists(crashed));
    }

    /** Another user's file of the pattern is theirs, however old: only our own are removed. */
    @Test
    void anotherUsersTemporaryFileStays() throws Exception {
        Root.assumeRoot("a file of another user");
        Path theirs = old(dir.resolve("p9gate.pid.3k92q371dnfv0.tmp"), FileTime.fromMillis(0));
        Files.setAttribute(theirs, "unix:uid", 4321);

        RunFile.replace(dir.resolve("p9gate.pid"), "2\n");

        assertTrue(Files.exists(theirs), "another user's file was removed");
    }

    /**
     * The new text is forced to disk before its rename and the directory after it: a crash soon after a reload or a
     * start left an empty file at the name (delayed allocation). A crash cannot be tested here: the calls are
     * recorded with what the name then held.
     */
    @Test
    void theTextIsForcedBeforeItsRenameAndTheDirectoryAfter() throws Exception {
        Path pidFile = Files.writeString(dir.resolve("p9gate.pid"), "1\n");
        List<String> calls = new ArrayList<>();

        RunFile.replace(pidFile, "22\n", new DiskSync() {
            @Override
            public void file(FileChannel file) throws IOException {
                calls.add("file of " + file.size() + " bytes; the name holds "
                        + Files.readString(pidFile).strip());
            }

            @Override
            public void directory(Path d) throws IOException {
                calls.add("directory " + d + "; the name holds "
                        + Files.readString(pidFile).strip());
            }
        });

        assertEquals(List.of("file of 3 bytes; the name holds 1", "directory " + dir + "; the name holds 22"), calls);
    }

    private static Path old(Path file, FileTime time) throws IOException {
        return Files.setLastModifiedTime(Files.writeString(file, "1\n"), time);
    }
    /** A pid file, reload outcome or report on a full disk was a bare "No space left on device", naming no file. */
    @Test
    void aFileThatCannotBeWrittenIsNamed() throws Exception {
        try (ScratchMount disk = ScratchMount.tmpfs(dir.resolve("disk"), "size=4k")) {
            Path pidFile = disk.dir.resolve("p9gate.pid");
            Path fill = disk.fill("fill");

            IOException e = assertThrows(IOException.class, () -> RunFile.replace(pidFile, "1\n"));

            String said = CliMessages.ioProblem(e);
            assertEquals(pidFile + ": No space left on device", said);
            try (Stream<Path> left = Files.list(disk.dir)) {
                assertEquals(List.of(fill), left.toList(), "no temporary file left");
            }
        }
    }
}
