package io.p9gate.audit.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.HashChain;
import io.p9gate.audit.Hashes;
import io.p9gate.audit.MerkleFrontier;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What an attacker with write access to the audit directory can do: edit, insert, delete and move lines (keeping
 * the segment files), recompute the chain, and edit the checkpoint sidecar.
 */
final class LogEditor {
    private final Path dir;
    final List<String> lines = new ArrayList<>();
    private final List<Path> segmentOf = new ArrayList<>();

    LogEditor(Path dir) throws IOException {
        this.dir = dir;
        for (Path seg : LogDirectory.segments(dir)) {
            for (String line : Files.readAllLines(seg, StandardCharsets.US_ASCII)) {
                lines.add(line);
                segmentOf.add(seg);
            }
        }
    }

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    int indexOfSeq(long seq) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("{\"seq\":" + seq + ",")) {
                return i;
            }
        }
        throw new IllegalArgumentException("no seq " + seq);
    }

    void insert(int index, String line) {
        lines.add(index, line);
        segmentOf.add(index, segmentOf.get(Math.max(0, index - 1)));
    }

    String remove(int index) {
        segmentOf.remove(index);
        return lines.remove(index);
    }

    /** Sets {@code "seq"} of every line from {@code from} on to its position. */
    void renumberFrom(int from) {
        for (int i = from; i < lines.size(); i++) {
            lines.set(i, lines.get(i).replaceFirst("^\\{\"seq\":\\d+,", "{\"seq\":" + i + ","));
        }
    }

    /** Recomputes the {@code prev} field of every line from {@code from} on, as a careful attacker would. */
    void rechainFrom(int from) {
        rechain(from, lines.size());
    }

    /** Recomputes the {@code prev} field of lines {@code from} (inclusive) to {@code to} (exclusive). */
    void rechain(int from, int to) {
        Hashes h = new Hashes();
        HashChain rule = new HashChain(h);
        byte[] chain = Hashes.GENESIS;
        for (int i = 0; i < to; i++) {
            if (i >= from) {
                String l = lines.get(i);
                lines.set(
                        i,
                        l.substring(0, l.lastIndexOf("\"prev\":\"")) + "\"prev\":\""
                                + HexFormat.of().formatHex(chain) + "\"}");
            }
            byte[] b = lines.get(i).getBytes(StandardCharsets.US_ASCII);
            chain = rule.next(
                    chain,
                    b,
                    0,
                    b.length,
                    h.leaf(b, 0, b.length),
                    LineHeader.parse(b).orElse(null));
        }
    }

    /** Writes the lines back into the segment files they came from (files left empty are deleted). */
    void save() throws IOException {
        for (Path seg : LogDirectory.segments(dir)) {
            Files.delete(seg);
        }
        for (int i = 0; i < lines.size(); i++) {
            Files.writeString(
                    segmentOf.get(i),
                    lines.get(i) + "\n",
                    StandardCharsets.US_ASCII,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    List<String> notes() throws IOException {
        return new ArrayList<>(Files.readAllLines(LogDirectory.checkpointsFile(dir), StandardCharsets.UTF_8));
    }

    /**
     * The sidecar line of a checkpoint over the first {@code size} stored lines, signed by {@code key}, as a holder
     * of that key would sign a rewritten history.
     */
    String signedNoteLine(int size, String origin, SigningKey key) throws IOException {
        Hashes h = new Hashes();
        HashChain rule = new HashChain(h);
        MerkleFrontier tree = new MerkleFrontier();
        byte[] chain = Hashes.GENESIS;
        for (int i = 0; i < size; i++) {
            byte[] b = lines.get(i).getBytes(StandardCharsets.US_ASCII);
            byte[] leaf = h.leaf(b, 0, b.length);
            tree.append(leaf);
            chain = rule.next(chain, b, 0, b.length, leaf, LineHeader.parse(b).orElse(null));
        }
        String note = SignedNote.sign(new Checkpoint(origin, size, tree.root(), chain, Instant.now()).body(), key)
                .format();
        return new ObjectMapper()
                .writeValueAsString(new ObjectMapper().createObjectNode().put("note", note));
    }

    void saveNotes(List<String> notes) throws IOException {
        Files.write(LogDirectory.checkpointsFile(dir), notes, StandardCharsets.UTF_8);
    }
}
