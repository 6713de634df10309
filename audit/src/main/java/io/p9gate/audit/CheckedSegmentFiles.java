package io.p9gate.audit;

import io.p9gate.audit.read.WritableFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * How {@link SegmentWriter} opens and renames its segment files so that each is the file it checked: a local user
 * who can write the log's directory may put another file at any of its names at any moment. Opens go through one
 * checked descriptor ({@link WritableFile}); renames check the file's identity (its {@code fileKey}) before and after.
 */
final class CheckedSegmentFiles {
    private CheckedSegmentFiles() {}

    /**
     * A segment file open for writing, its second descriptor for its fdatasync (null when none was free: fsync then)
     * and which file it is (its {@code fileKey}, dev and inode), so that a second descriptor opened later by name
     * ({@link SegmentWriter}, re-arming its spare) is known to be of it.
     */
    record Segment(RandomAccessFile file, AsynchronousFileChannel sync, Object identity) {}

    /**
     * Opens the segment file at {@code file}, once it holds what {@code rule} allows ({@link WritableFile}), and its
     * second descriptor, for its fdatasync, through the same checked descriptor: opened again by name, it was of
     * whatever regular file a local user renamed there meanwhile, and records written to the segment were reported
     * durable after an fsync of that other file.
     */
    static Segment openSegment(SegmentWriter.SegmentFiles files, Path file, WritableFile.Rule rule) throws IOException {
        return WritableFile.open(file, rule, descriptor -> {
            Object identity =
                    Files.readAttributes(descriptor, BasicFileAttributes.class).fileKey();
            RandomAccessFile written = files.open(descriptor);
            try {
                files.betweenOpens(file);
                return new Segment(written, syncChannel(files, descriptor), identity);
            } catch (IOException | RuntimeException e) {
                written.close();
                throw e;
            }
        });
    }

    /** A second descriptor of the checked segment file for its fdatasync, or null (then fsync) if none is free. */
    private static AsynchronousFileChannel syncChannel(SegmentWriter.SegmentFiles files, Path descriptor) {
        try {
            return files.openSync(descriptor);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The second descriptor of the segment file {@code identity} at {@code file}, opened by name when its first open
     * had none free, or null: whatever else is at the name now (a file renamed there) is not opened.
     */
    static AsynchronousFileChannel syncChannel(SegmentWriter.SegmentFiles files, Path file, Object identity) {
        try {
            return WritableFile.open(file, WritableFile.Rule.OWN, descriptor -> {
                if (!identity.equals(Files.readAttributes(descriptor, BasicFileAttributes.class)
                        .fileKey())) {
                    throw new IOException(file + " is no longer the segment file the writer opened");
                }
                return files.openSync(descriptor);
            });
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static void closeQuietly(AsynchronousFileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // only a descriptor of a segment closed already
            }
        }
    }

    /**
     * Renames the writer's own file {@code from} (the file {@code identity}) to {@code to}. rename(2) takes a name,
     * and a local user who can write the directory can put another file at it: renamed into place, that file (what
     * the user wrote) became the log's next segment, while the writer appended to its own file under a name no
     * reader lists and reported those records durable. So the name must hold the writer's file before the rename
     * (else nothing is renamed) and after it (a swap in between; the verifier reports what is at {@code to}).
     */
    static void renameOwn(Path from, Path to, Object identity) throws IOException {
        requireOwn(from, from, identity);
        Files.move(from, to);
        requireOwn(from, to, identity);
    }

    /** @throws ReplacedFileException {@code name} (where the writer's {@code file} should be) holds another file */
    private static void requireOwn(Path file, Path name, Object identity) throws ReplacedFileException {
        Object found;
        try {
            found = Files.readAttributes(name, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (IOException e) {
            found = null; // gone: not the writer's file either
        }
        if (!identity.equals(found)) {
            throw new ReplacedFileException(file, name);
        }
    }
}
