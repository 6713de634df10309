package io.p9gate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.StoredFile;
import io.p9gate.audit.read.WritableFile;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The sidecar {@code checkpoints.jsonl}: one JSON object per line, {@code {"note":"<signed note text>"}}. The
 * note text is the authoritative signed bytes; JSON only carries it on one line.
 */
public final class CheckpointStore implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Test seam: runs just before {@link #readLast} opens the sidecar (a test renames a FIFO over it). */
    static volatile java.util.function.Consumer<Path> beforeReadLast = file -> {};

    /** Test seam: runs just before {@link #openForAppend} opens the sidecar (a test renames a FIFO over it). */
    static volatile java.util.function.Consumer<Path> beforeOpenForAppend = file -> {};

    private final FileChannel channel;

    private CheckpointStore(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens for appending; a torn last line (crash while writing) is cut off so the next note starts cleanly. */
    static CheckpointStore openForAppend(Path dir) throws IOException {
        Path file = LogDirectory.checkpointsFile(dir);
        beforeOpenForAppend.accept(file);
        // Checked on the descriptor, not the name: a FIFO renamed over it after a look was taken for an empty sidecar.
        FileChannel channel = WritableFile.open(
                file,
                WritableFile.Rule.OWN_OR_NEW,
                fd -> FileChannel.open(fd, StandardOpenOption.READ, StandardOpenOption.WRITE));
        long end = SidecarLines.endOfLastLine(channel);
        channel.truncate(end);
        channel.position(end);
        return new CheckpointStore(channel);
    }

    /** Appends one note and returns its bytes; durable only after {@link #force}. */
    long append(SignedNote note) throws IOException {
        ObjectNode line = JSON.createObjectNode().put("note", note.format());
        ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        long length = bytes.remaining();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        return length;
    }

    /** Where the next note goes. */
    long end() throws IOException {
        return channel.position();
    }

    /** Cuts what notes that could not be written whole left after {@code end} (from {@link #end}). */
    void cutTo(long end) throws IOException {
        channel.truncate(end);
        channel.position(end);
    }

    void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** One line of the sidecar: the note text, or why it could not be read. {@code line} counts from 1. */
    public record Entry(int line, String noteText, String problem, boolean torn) {}

    /**
     * The entries one at a time, a last line without newline (a crash while writing) with {@code torn} set. Only the
     * current line is held, so a caller that keeps little per note reads a sidecar of any length (it gains 86,400
     * notes a day and is never rotated); there is no reader of all of them at once for that reason.
     */
    public static Entries entries(Path dir) throws IOException {
        return entries(dir, Long.MAX_VALUE);
    }

    /**
     * The entries in the sidecar's first {@code limit} bytes (a line the limit cuts reads as torn): what a reader of
     * a live log takes when it sized the sidecar before listing the segments, so every note it reads covers records
     * already in a listed segment (the writer appends a note only after its records are in a named segment).
     */
    public static Entries entries(Path dir, long limit) throws IOException {
        Path file = LogDirectory.checkpointsFile(dir);
        // A link that leads nowhere (a loop, a missing archive) is no missing sidecar: StoredFile names it.
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return new Entries(null);
        }
        return new Entries(StoredFile.open(file).from(0, limit));
    }

    /** The sidecar's size now (0 when there is none): taken before the segments are listed, see above. */
    public static long storedBytes(Path dir) throws IOException {
        Path file = LogDirectory.checkpointsFile(dir);
        return Files.isRegularFile(file) ? Files.size(file) : 0;
    }

    /** A sidecar being read in order; empty when there is none. */
    public static final class Entries implements Closeable {
        private final InputStream in;
        private final SidecarLines.Reader lines;
        private int lineNo;

        private Entries(InputStream in) {
            this.in = in;
            this.lines = in == null ? null : new SidecarLines.Reader(in);
        }

        /**
         * The next entry, or null after the last. Line by line, each decoded on its own: a line that is not UTF-8
         * (only a doctored sidecar has one) is that line's problem, reported with its number. Decoding the whole
         * file at once threw for it, "Input length = 1"; reading it whole threw OutOfMemoryError past 2 GiB.
         */
        public Entry next() throws IOException {
            SidecarLines.Line line = lines == null ? null : lines.next();
            return line == null ? null : entry(++lineNo, line);
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    /**
     * The sidecar's last line that a newline ends (a torn one after it is skipped), numbered 0: only the file's end
     * is read, so its number is not known. Empty when there is none.
     */
    public static Optional<Entry> readLast(Path dir) throws IOException {
        Path file = LogDirectory.checkpointsFile(dir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        beforeReadLast.accept(file);
        // Checked and read through one descriptor: a FIFO renamed over it after a look at its name held the
        // gateway's start and show in open(2) for ever.
        try (StoredFile stored = StoredFile.open(file)) {
            SidecarLines.Line line = SidecarLines.lastLine(stored.size(), stored::read);
            return line == null ? Optional.empty() : Optional.of(entry(0, line));
        }
    }

    private static Entry entry(int lineNo, SidecarLines.Line line) {
        boolean torn = !line.terminated();
        if (line.oversized()) {
            return new Entry(
                    lineNo,
                    null,
                    "a line of "
                            + (line.length() > SidecarLines.MAX_LINE_BYTES + 1L
                                    ? line.length() + " bytes"
                                    : "more than " + SidecarLines.MAX_LINE_BYTES + " bytes")
                            + ", longer than any checkpoint",
                    torn);
        }
        String text = utf8(line.bytes(), 0, line.bytes().length);
        return text == null ? new Entry(lineNo, null, "not UTF-8", torn) : parse(lineNo, text, torn);
    }

    /** The bytes as UTF-8 text, or null when they are not UTF-8. */
    private static String utf8(byte[] bytes, int from, int to) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static Entry parse(int lineNo, String line, boolean torn) {
        try {
            JsonNode node = JSON.readTree(line);
            JsonNode note = node == null ? null : node.get("note");
            if (note == null || !note.isTextual()) {
                return new Entry(lineNo, null, "no \"note\" string", torn);
            }
            return new Entry(lineNo, note.asText(), null, torn);
        } catch (IOException e) {
            return new Entry(lineNo, null, "not JSON", torn);
        }
    }
}
