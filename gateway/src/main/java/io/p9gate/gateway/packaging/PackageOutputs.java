package io.p9gate.gateway.packaging;

import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.note.FileWriteFailure;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The files {@code package} leaves in {@code --out} (the tarball, its manifest's copy and signature), replaced
 * together: each is written to a new file of a random name beside it, made exclusively and never through a link
 * ({@code --out} may be a directory others can write), and forced to disk; only when all are complete are they
 * renamed onto their names, the tarball last, and the directory forced. A failure before (a full disk) leaves the
 * earlier package as it was; a rename that fails takes back the names already replaced, so no tarball stands next
 * to another's manifest. A stop (Ctrl-C, SIGTERM) or failure leaves no temporary file.
 */
final class PackageOutputs implements AutoCloseable {
    /** Writes one file's content; the stream is not to be closed. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Map<Path, Path> pending = new LinkedHashMap<>(); // name -> its new file, in the order written
    private final List<Path> removed = new ArrayList<>();
    private final Thread onStop = new Thread(this::stopped, "p9gate-package-stopped");
    private final Consumer<Path> renamed;

    PackageOutputs(Path dir) throws IOException {
        this(dir, name -> {});
    }

    /** @param renamed told each name as it is replaced, within the commit (a test's seam: a stop then) */
    PackageOutputs(Path dir, Consumer<Path> renamed) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.renamed = renamed;
        Runtime.getRuntime().addShutdownHook(onStop);
    }

    void add(String name, Content content) throws IOException {
        Path file = dir.resolve(name);
        Path temp = dir.resolve(name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".partial");
        try (FileChannel channel = FileChannel.open(
                temp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
            synchronized (pending) {
                pending.put(file, temp);
            }
            OutputStream out = naming(Channels.newOutputStream(channel), file);
            content.writeTo(out);
            out.flush();
            try {
                DiskSync.FORCED.file(channel);
            } catch (IOException e) {
                throw FileWriteFailure.of(file, e);
            }
        }
    }

    /**
     * {@code out}, its failures (ENOSPC) said as {@code file}'s: they were a bare "No space left on device", naming no
     * file (PackageOutputsTogetherTest). Only the writes: a source file that cannot be read names itself.
     */
    private static OutputStream naming(OutputStream out, Path file) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                try {
                    out.write(b);
                } catch (IOException e) {
                    throw FileWriteFailure.of(file, e);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw FileWriteFailure.of(file, e);
                }
            }
        };
    }

    void add(String name, String text) throws IOException {
        add(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code name} goes too: a file an earlier package left that this one has not (an unsigned package's .sig). */
    void remove(String name) {
        removed.add(dir.resolve(name));
    }

    /**
     * Renames every file onto its name, in the order added; on a failure the names replaced so far are removed. The
     * stop hook waits for it: run between two renames, it removed the files not renamed yet, which left the new
     * manifest beside the old tarball (or, an unsigned run, the old pair without its signature).
     */
    void commit() throws IOException {
        synchronized (pending) {
            for (Path stale : removed) {
                Files.deleteIfExists(stale); // first: one that may not be removed leaves the earlier package whole
            }
            List<Path> replaced = new ArrayList<>();
            try {
                for (Map.Entry<Path, Path> file : List.copyOf(pending.entrySet())) {
                    Files.move(
                            file.getValue(),
                            file.getKey(),
                            StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    replaced.add(file.getKey());
                    renamed.accept(file.getKey());
                }
            } catch (IOException e) {
                for (Path name : replaced) {
                    Files.deleteIfExists(name);
                }
                throw e;
            }
            pending.clear();
            DiskSync.FORCED.directory(dir);
        }
    }

    /** The shutdown hook (Ctrl-C, SIGTERM): the files not renamed yet go. Package-private for its test. */
    void stopped() {
        synchronized (pending) {
            for (Path temp : pending.values()) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // Its name says it is partial.
                }
            }
            pending.clear();
        }
    }

    @Override
    public void close() {
        stopped();
        try {
            Runtime.getRuntime().removeShutdownHook(onStop);
        } catch (IllegalStateException e) {
            // Stopping already: the hook removes what is left.
        }
    }
}
