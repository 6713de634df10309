package io.p9gate.gateway.files;

import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.FileWriteFailure;
import io.p9gate.policy.load.IoReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small file the running gateway or a tool (often root) keeps for other programs: the pid file and the reload
 * outcome file beside it, the compliance reports. Its directory may be one others can write ({@code --pid-file /tmp/p9gate.pid}), where a name the
 * gateway writes through could be a planted symlink to any file. So the text goes into a new file of a random name,
 * created exclusively and never through a link ({@code O_CREAT|O_EXCL|O_NOFOLLOW}), written through that one open,
 * then renamed onto the name: a link at the name is replaced, not followed, and a reader never sees half a line.
 * A writer killed between the create and the rename leaves its temporary file; the next write removes those
 * ({@link #removeStale}). The file is forced to disk before its rename and the directory after it: a crash soon after
 * left an empty pid file or report at the name (RunFileTest). One fsync each, once per start, reload or report.
 */
public final class RunFile {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TEMPORARY = "\\.[0-9a-z]{1,13}\\.tmp";

    private RunFile() {}

    /** Replaces {@code file} with {@code text} (0644, less the umask). */
    public static void replace(Path file, String text) throws IOException {
        replace(file, text, DiskSync.FORCED);
    }

    static void replace(Path file, String text, DiskSync sync) throws IOException {
        Path tmp =
                file.resolveSibling(file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            try (var channel = FileChannel.open(
                    tmp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                sync.file(channel);
            } catch (IOException e) {
                throw FileWriteFailure.of(file, e); // a bare ENOSPC named no file (RunFileTest)
            }
            removeStale(file, (Integer) Files.getAttribute(tmp, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            refuseSpecial(file);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (FileSystemException e) {
                throw notReplaced(file, tmp, e);
            }
            sync.directory(file.toAbsolutePath().getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The rename replaces whatever node is at the name: {@code serve --pid-file /dev/null} run as root made the host's
     * {@code /dev/null} a regular file (RunFileOntoSpecialFileTest).
     */
    private static void refuseSpecial(Path file) throws IOException {
        if (FileReason.isSpecialAt(file)) {
            throw new IOException("cannot replace " + FileReason.said(file, FileReason.IS_SPECIAL));
        }
    }

    /**
     * Removes the temporary files of {@code file} a crashed writer left: exactly our name pattern, owned by {@code uid}
     * (the owner of the one we just made: never another user's file in a shared directory such as /tmp) and last written before this process started, so a
     * second gateway writing the same name right now keeps its file. Best effort: one that cannot be removed stays.
     */
    private static void removeStale(Path file, int uid) {
        String name = file.getFileName().toString();
        Pattern ours = Pattern.compile(Pattern.quote(name) + TEMPORARY);
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(
                file.toAbsolutePath().getParent(),
                p -> ours.matcher(p.getFileName().toString()).matches())) {
            for (Path candidate : candidates) {
                var attributes =
                        Files.readAttributes(candidate, "unix:uid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                if ((Integer) attributes.get("uid") == uid
                        && ((FileTime) attributes.get("lastModifiedTime"))
                                .toInstant()
                                .isBefore(started)) {
                    Files.deleteIfExists(candidate);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Left for the next write; the write itself does not depend on it.
        }
    }

    /**
     * The rename's failure, naming the file, not the temporary one ({@code ours}) about to be removed. Without
     * CAP_FOWNER a file another user owns in a sticky directory (one they made at the name in /tmp) cannot be
     * replaced: EPERM, said with whose.
     */
    private static IOException notReplaced(Path file, Path ours, FileSystemException e) {
        String why = "cannot replace " + file + ": " + IoReason.of(e);
        try {
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int directoryMode =
                    (Integer) Files.getAttribute(file.toAbsolutePath().getParent(), "unix:mode");
            if ((directoryMode & 01000) != 0 && owner != (Integer) Files.getAttribute(ours, "unix:uid")) {
                why += " (it belongs to uid " + owner + ", and in a sticky directory only its owner or root may replace"
                        + " it: remove it, or choose another place)";
            }
        } catch (IOException | RuntimeException unknown) {
            // Said without whose.
        }
        return new IOException(why, e);
    }
}
