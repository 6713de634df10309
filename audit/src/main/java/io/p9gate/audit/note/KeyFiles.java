package io.p9gate.audit.note;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reading and writing key files; a private key readable (or writable) by group or others is refused. */
public final class KeyFiles {
    private static final Set<PosixFilePermission> NOT_FOR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    /** A key file is one line of under 100 bytes; far more is no key (a copied disk image, /dev/zero). */
    static final int MAX_KEY_FILE_BYTES = 64 * 1024;

    private KeyFiles() {}

    /** Whether {@code perms} keep a file to its owner, as a private key's must be: no bit for group or others. */
    public static boolean ownerOnly(Set<PosixFilePermission> perms) {
        return perms.stream().noneMatch(NOT_FOR_OTHERS::contains);
    }

    /**
     * The private key in {@code file}. What it is instead is said first (a directory, a loop of links, the public key
     * beside it): advice to chmod such a file, which the mode check would give, cannot help; and reading the mode
     * first said a loop with the JDK's exception, not as every key file is said ({@code FILE: REASON (not a key
     * file)}).
     */
    public static SigningKey readSigningKey(Path file) throws KeyFormatException, IOException {
        String text = keyText(file);
        Set<PosixFilePermission> perms = permissions(file);
        if (isVerifierKey(text)) {
            throw new KeyFormatException(file + " is the public key: give the private key (the .key file"
                    + " 'p9gate keys generate' wrote beside it)");
        }
        if (!ownerOnly(perms)) {
            throw new KeyFormatException("private key " + file + " is accessible by group or others ("
                    + PosixFilePermissions.toString(perms) + "); chmod 600 it");
        }
        try {
            return SigningKey.parse(text);
        } catch (KeyFormatException e) {
            throw new KeyFormatException(file + ": " + e.getMessage());
        }
    }

    private static boolean isVerifierKey(String text) {
        if (text.strip().startsWith(SigningKey.PREFIX)) {
            return false;
        }
        try {
            VerifierKey.parse(text);
            return true;
        } catch (KeyFormatException e) {
            return false;
        }
    }

    /**
     * @throws KeyFormatException naming {@code file} whatever is wrong: a text that is no key said only "not a
     *     verifier key" ({@code audit prove --key}), and callers that added the name named it twice when the reason
     *     had it ({@code package verify}: "public key K: K: is a directory").
     */
    public static VerifierKey readVerifierKey(Path file) throws KeyFormatException, IOException {
        String text = keyText(file);
        try {
            return VerifierKey.parse(text);
        } catch (KeyFormatException e) {
            throw new KeyFormatException(FileReason.said(file, e.getMessage()));
        }
    }

    /**
     * A key file's text; a file that cannot be one (missing, a directory, a FIFO or device, huge, binary) is a
     * {@link KeyFormatException}
     * naming it, not the JDK's "Is a directory" or "Input length = 1".
     */
    private static String keyText(Path file) throws KeyFormatException, IOException {
        try {
            return StandardCharsets.US_ASCII
                    .newDecoder()
                    .decode(ByteBuffer.wrap(SmallFile.read(file, MAX_KEY_FILE_BYTES)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new KeyFormatException(FileReason.missing(file));
        } catch (SmallFile.UnfitException e) {
            throw new KeyFormatException(FileReason.said(file, e.getMessage()) + " (not a key file)");
        } catch (CharacterCodingException e) {
            throw new KeyFormatException(
                    file + " is not a key file: it is not text ('p9gate keys generate' writes them)");
        }
    }

    /**
     * Writes {@code prefix.key} (created 0600) and {@code prefix.pub}, each a new file made by the one open that
     * writes it (O_CREAT|O_EXCL), so through no symlink: the key was written again by path after its creation, and
     * the public key's check (Files.exists) followed a dangling symlink that the write then created
     * (KeyPairNoFollowTest). A public key that cannot be made takes the private key made for it away again. Each is
     * forced to disk, then their directory (KeyPairDiskSyncTest): a crash after the command returned left an empty
     * key, refused by the next run as one not to overwrite and by the gateway as malformed.
     */
    public static void writeKeyPair(SigningKey key, Path privateFile, Path publicFile)
            throws IOException, KeyFormatException {
        writeKeyPair(key, privateFile, publicFile, DiskSync.FORCED);
    }

    static void writeKeyPair(SigningKey key, Path privateFile, Path publicFile, DiskSync sync)
            throws IOException, KeyFormatException {
        for (Path p : new Path[] {privateFile, publicFile}) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new KeyFormatException("refusing to overwrite " + p);
            }
        }
        writeNew(privateFile, key.format(), PosixFilePermissions.fromString("rw-------"), sync);
        boolean publicMade = false;
        try {
            writeNew(publicFile, key.verifierKey().format(), PosixFilePermissions.fromString("rw-r--r--"), sync);
            publicMade = true;
            for (Path dir : new LinkedHashSet<>(List.of(parent(privateFile), parent(publicFile)))) {
                sync.directory(dir);
            }
        } catch (IOException | KeyFormatException e) {
            if (publicMade) {
                Files.deleteIfExists(publicFile);
            }
            Files.deleteIfExists(privateFile);
            throw e;
        }
    }

    private static Path parent(Path file) {
        return file.toAbsolutePath().getParent();
    }

    private static void writeNew(Path file, String line, Set<PosixFilePermission> mode, DiskSync sync)
            throws IOException, KeyFormatException {
        FileChannel out;
        try {
            out = FileChannel.open(
                    file,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(mode));
        } catch (FileAlreadyExistsException e) {
            throw new KeyFormatException("refusing to overwrite " + file);
        }
        // Ours from here: a write that fails (ENOSPC) takes it away, or the empty key left is refused by the next
        // run as one not to overwrite and by the gateway as malformed (KeyPairFullDiskTest).
        try (out) {
            ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            sync.file(out);
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw new IOException("cannot write " + file + ": " + e.getMessage() + " (no key written)", e);
        }
    }

    private static Set<PosixFilePermission> permissions(Path file) throws IOException, KeyFormatException {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (NoSuchFileException e) {
            throw new KeyFormatException(FileReason.missing(file));
        }
    }
}
