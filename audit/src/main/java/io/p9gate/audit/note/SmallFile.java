package io.p9gate.audit.note;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a small file a user names (a key, a pin, a proof). Only a regular file (after links), and no more than a
 * bound: a FIFO blocked the reader in open(2) for ever, and {@code /dev/zero} or a copied disk image was read
 * whole, into an OutOfMemoryError.
 */
public final class SmallFile {
    /** The file cannot be what the user named it as: {@link #getMessage()} says why, without the file's name. */
    public static final class UnfitException extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        UnfitException(String why) {
            super(why, null, false, false);
        }
    }

    private SmallFile() {}

    /**
     * @throws NoSuchFileException there is no such file
     * @throws UnfitException ({@code FileReason.said(file, e.getMessage())} says it) a directory, FIFO, socket or device, a loop of links, or longer than {@code maxBytes}
     */
    public static byte[] read(Path file, int maxBytes) throws IOException, UnfitException {
        if (LinkLoop.at(file)) {
            throw new UnfitException(LinkLoop.REASON);
        }
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new UnfitException(FileReason.notRegular(a));
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new UnfitException("is longer than " + maxBytes + " bytes");
            }
            return bytes;
        }
    }
}
