package io.p9gate.audit.cli;

import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.FileWriteFailure;
import io.p9gate.audit.verify.FindingClass;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * An output file written under a temporary name beside its own ({@code .NAME.*.partial}, owner-only like the log
 * it comes from) and renamed onto its name only when complete: nobody (a script, a SIEM import) finds a partial
 * export under the name, and a file already there stays whole until it is replaced.
 */
final class PartialFile implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path target;
    private final String option;
    private final Path temp;
    private final FileChannel channel;
    private final Writer writer;
    private volatile boolean committed;

    private PartialFile(Path target, String option, Path temp, FileChannel channel) {
        this.target = target;
        this.option = option;
        this.temp = temp;
        this.channel = channel;
        this.writer = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8));
    }

    /**
     * Says, before a long read of the log, what would stop the file being written at its end: its directory is
     * missing or not writable, or the name is a directory or a FIFO, socket or device ({@code option} names it: the
     * page's file, {@code --html}). A name that is a directory or a node, or a directory that is not there, is bad
     * input (exit 2); a directory the command may not write in is a failure (exit 1).
     */
    static void checkWritable(Path file, String option) throws UserError {
        Path named = file.toAbsolutePath();
        Path parent = named.getParent();
        if (Files.isDirectory(named)) {
            throw new UserError(
                    FileReason.said(file, FileReason.IS_A_DIRECTORY) + " (" + option + ")", FindingClass.USAGE);
        }
        refuseSpecial(file, option);
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UserError(
                    FileReason.missing(parent) + " (create it to write " + file + " there)", FindingClass.USAGE);
        }
        if (!Files.isWritable(parent)) {
            throw new UserError(
                    FileReason.said(parent, FileReason.PERMISSION_DENIED) + " (cannot write " + file + " there)",
                    FindingClass.IO_ERROR);
        }
    }

    /**
     * The file is renamed onto its name, which replaces whatever node is there: {@code audit export -o /dev/null} run
     * as root made the host's {@code /dev/null} a regular file holding the export (OutputOntoSpecialFileTest).
     */
    private static void refuseSpecial(Path file, String option) throws UserError {
        if (FileReason.isSpecialAt(file)) {
            throw new UserError(FileReason.said(file, FileReason.IS_SPECIAL) + " (" + option + ")", FindingClass.USAGE);
        }
    }

    /**
     * Made exclusively, never through a link, and written through that one open only: its directory may be one
     * another user can rename files in, who could swap a link to any file in for it between two opens by its name
     * (PartialFileSwapAttackTest).
     */
    static PartialFile create(Path target, String option) throws IOException, UserError {
        Path named = target.toAbsolutePath();
        Path temp = named.resolveSibling(
                "." + named.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".partial");
        FileChannel channel = FileChannel.open(
                temp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return new PartialFile(target, option, temp, channel);
    }

    /** Writes text; a failure (ENOSPC) ends the command, which then leaves nothing behind. */
    void write(String text) {
        try {
            writer.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(FileWriteFailure.of(target, e));
        }
    }

    /** Puts the complete file on disk under its name, replacing any older file of that name at once. */
    void commit() throws IOException, UserError {
        try {
            writer.flush();
            DiskSync.FORCED.file(channel);
            writer.close();
        } catch (IOException e) {
            throw FileWriteFailure.of(target, e); // named: a bare ENOSPC was said (PartialFileTest)
        }
        refuseSpecial(target, option); // again: one may have been made there during the long read
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        committed = true;
        // The rename on disk too: a crash after the command said it wrote the file must not bring back the old one.
        DiskSync.FORCED.directory(temp.getParent());
    }

    /**
     * Deletes what was written, the name left as it was; false if the file was committed already. Called from a
     * shutdown hook too: it never throws.
     */
    boolean abandon() {
        if (committed) {
            return false;
        }
        try {
            writer.close();
        } catch (IOException e) {
            // Deleted below all the same.
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // Its name says it is partial.
        }
        return true;
    }

    @Override
    public void close() {
        abandon();
    }
}
