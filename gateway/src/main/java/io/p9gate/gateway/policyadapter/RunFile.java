package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.load.IoReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * A small file the running gateway (often root) keeps for other programs: the pid file and the reload outcome file
 * beside it. Its directory may be one others can write ({@code --pid-file /tmp/p9gate.pid}), where a name the
 * gateway writes through could be a planted symlink to any file. So the text goes into a new file of a random name,
 * created exclusively and never through a link ({@code O_CREAT|O_EXCL|O_NOFOLLOW}), written through that one open,
 * then renamed onto the name: a link at the name is replaced, not followed, and a reader never sees half a line.
 */
public final class RunFile {
    private static final SecureRandom RANDOM = new SecureRandom();

    private RunFile() {}

    /** Replaces {@code file} with {@code text} (0644, less the umask). */
    public static void replace(Path file, String text) throws IOException {
        Path tmp =
                file.resolveSibling(file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            try (var channel = Files.newByteChannel(
                    tmp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (FileSystemException e) {
                throw notReplaced(file, tmp, e);
            }
        } finally {
            Files.deleteIfExists(tmp);
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
