package io.p9gate.audit.read;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.LinkLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Layout of an audit directory: segment files {@code segment-<first seq, 20 digits>.jsonl} holding the records,
 * and the sidecar {@code checkpoints.jsonl} holding the signed checkpoints. Name order is sequence order.
 */
public final class LogDirectory {
    public static final String CHECKPOINTS = "checkpoints.jsonl";

    /** Made by a writer's start before anything else ({@code WriterLock}). */
    public static final String WRITER_LOCK = "writer.lock";

    private static final Pattern SEGMENT = Pattern.compile("segment-\\d{20}\\.jsonl");

    private LogDirectory() {}

    public static Path segmentFile(Path dir, long firstSeq) {
        return dir.resolve(String.format(Locale.ROOT, "segment-%020d.jsonl", firstSeq));
    }

    public static Path checkpointsFile(Path dir) {
        return dir.resolve(CHECKPOINTS);
    }

    /**
     * Why {@code dir}, given by a user as an audit log, is no directory; empty when it is one. A file there is named
     * as such and a loop of links as one: both were "no such ... directory", though something is there.
     */
    public static Optional<String> notADirectory(Path dir) {
        if (LinkLoop.at(dir)) {
            return Optional.of(FileReason.said(dir, LinkLoop.REASON));
        }
        if (Files.isDirectory(dir)) {
            return Optional.empty();
        }
        return Optional.of(
                Files.exists(dir)
                        ? FileReason.said(dir, FileReason.NOT_A_DIRECTORY)
                                + " (an audit log is a directory of segment-*.jsonl files)"
                        : FileReason.missing(dir));
    }

    /**
     * Why the directory {@code dir} holds no audit log (no segment, no sidecar: a gateway's log always has its START
     * record); empty when it holds one. A mistyped {@code --log} (the parent directory) read as an empty log: "OK: 0
     * records", an empty review, a replay that changed nothing.
     */
    public static Optional<String> noLog(Path dir) throws IOException {
        if (!segments(dir).isEmpty() || Files.exists(checkpointsFile(dir), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        // writer.lock is made first, the START record after it: a start that stopped in between left only the lock.
        // But it stays after every run, so a log whose files were removed leaves only it too: both are named, or a
        // removed log read as one that never held a record.
        if (Files.exists(dir.resolve(WRITER_LOCK), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of("no audit log in " + dir + ": " + WRITER_LOCK + " but no segment-*.jsonl and no "
                    + CHECKPOINTS + " (a start that stopped before its first record, or its log's files were removed:"
                    + " " + WRITER_LOCK + " stays after every run; the next serve with this --audit-dir starts a new"
                    + " log here)");
        }
        return Optional.of("no audit log in " + dir + ": no segment-*.jsonl and no " + CHECKPOINTS
                + " (is it the directory of serve's --audit-dir?)");
    }

    /** The segment files in sequence order. */
    public static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(dir.toString(), null, "no such audit directory");
        }
    }

    /**
     * @throws IOException naming {@code file} when it is no regular file (after links: an archived segment may be a
     *     link to one). Only a doctored directory has such a segment or sidecar, and read, a FIFO blocked the reader
     *     in open(2) for ever and a device such as /dev/zero fed it for ever: verify, show and the gateway's start hung.
     *     The same for a regular file of a pseudo file system, or one that cannot be checked ({@link StoredFile}).
     *     A reader that goes on to read the file should read it through {@link StoredFile} instead: a name checked
     *     and then opened may name another file by then.
     */
    public static void requireRegularFile(Path file) throws IOException {
        StoredFile.open(file).close();
    }
}
