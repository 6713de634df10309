package io.p9gate.gateway.packaging;

import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.note.FileWriteFailure;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files {@code package} leaves in {@code --out} (the tarball, its manifest's copy and signature), replaced
 * together: each is written to a new file of a random name beside it, made exclusively and never through a link
 * ({@code --out} may be a directory others can write), and forced to disk; only when all are complete are they
 * renamed onto their names, the tarball last, and the directory forced. A failure before (a full disk) leaves the
 * earlier package as it was; so does a rename that fails: the earlier files are kept aside first, as second hard
 * links (each name holds the earlier file or the new one throughout), and put back, so no tarball stands next to
 * another's manifest and the deployed package is never lost. A stop (Ctrl-C, SIGTERM) or failure leaves no
 * temporary file.
 */
final class PackageOutputs implements AutoCloseable {
    /** Writes one file's content; the stream is not to be closed. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Makes {@code link} a second name of {@code existing}, link(2) (a test's seam: a file system without). */
    @FunctionalInterface
    interface Linker {
        void link(Path link, Path existing) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** What follows a name in the name of a file of the run's own: its new file, an earlier file kept aside. */
    private static final String OWN_SUFFIX = "\\.[0-9a-z]{1,13}\\.(?:partial|earlier)";

    private final Path dir;
    private final Map<Path, Path> pending = new LinkedHashMap<>(); // name -> its new file, in the order written
    private final List<Path> removed = new ArrayList<>();
    /** Set by the stop hook (and close): a commit after it would replace nothing yet still delete {@link #removed}. */
    private boolean stopped;

    private final Thread onStop = new Thread(this::stopped, "p9gate-package-stopped");
    private final Consumer<Path> renamed;
    private final Linker linker;
    private final OutDirLock.Waiting waiting;

    PackageOutputs(Path dir) throws IOException {
        this(dir, OutDirLock.Waiting.saying(note -> {}));
    }

    /** @param waiting how a commit waits for another run's into {@code dir} */
    PackageOutputs(Path dir, OutDirLock.Waiting waiting) throws IOException {
        this(dir, name -> {}, Files::createLink, waiting);
    }

    /** @param renamed told each name as it is replaced, within the commit (a test's seam: a stop then) */
    PackageOutputs(Path dir, Consumer<Path> renamed) throws IOException {
        this(dir, renamed, Files::createLink);
    }

    PackageOutputs(Path dir, Consumer<Path> renamed, Linker linker) throws IOException {
        this(dir, renamed, linker, OutDirLock.Waiting.saying(note -> {}));
    }

    PackageOutputs(Path dir, Consumer<Path> renamed, Linker linker, OutDirLock.Waiting waiting) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.renamed = renamed;
        this.linker = linker;
        this.waiting = waiting;
        try {
            Runtime.getRuntime().addShutdownHook(onStop);
        } catch (IllegalStateException e) {
            // A Ctrl-C or SIGTERM came first: nothing is written, as nothing would delete it.
            throw new IOException("package stopped before its files were written: " + dir + " is unchanged", e);
        }
    }

    /**
     * The files in {@code dir} of a name {@code names} matches that a run killed (SIGKILL) while it wrote or committed
     * left, as they were named by it and nothing else: no later run removed them, or said they were there.
     */
    static List<String> leftByAKilledRun(Path dir, String names) {
        Pattern own = Pattern.compile(names + OWN_SUFFIX);
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(file -> own.matcher(file).matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of(); // none yet, or one the run cannot read, which it says itself
        }
    }

    void add(String name, Content content) throws IOException {
        Path file = dir.resolve(name);
        Path temp = dir.resolve(randomName(name, "partial"));
        try (FileChannel channel = created(file, temp)) {
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
     * {@code temp}, made and known to the stop hook in one step, refused once the hook has run: the JVM's other
     * threads run on while the hooks do, and a file made between the hook's deletions and the halt, or made before the
     * hook and named to it after, was left in --out ({@code .tar.gz.RANDOM.partial}, PackageStopAttackTest in CI).
     */
    private FileChannel created(Path file, Path temp) throws IOException {
        synchronized (pending) {
            if (stopped) {
                throw new IOException("package stopped before its files were written: " + dir + " is unchanged");
            }
            FileChannel channel = FileChannel.open(
                    temp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            pending.put(file, temp);
            return channel;
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
     * Keeps the earlier files of the names aside (a name that is to go: renamed), then renames every new file onto its
     * name, in the order added, and deletes the earlier ones once the new set is whole on disk. A rename that fails
     * (EXDEV, EACCES, ENOSPC, a file gone) removes the new names and puts the earlier files back: before, it removed
     * the names it had replaced, which left --out with neither the deployed package nor the new one
     * (PackageOutputsTogetherTest). The stop hook waits for it: run between two renames, it removed the files not
     * renamed yet, which left the new manifest beside the old tarball (or, an unsigned run, the old pair without its
     * signature). After the hook, it changes nothing. Another run's commit into the same directory waits for this
     * one, and this one for it ({@link OutDirLock}, taken before the stop hook's lock: a hook never waits for it).
     */
    void commit() throws IOException {
        try (OutDirLock _ = OutDirLock.take(dir, waiting, this::isStopped)) {
            commitInTurn();
        }
    }

    private boolean isStopped() {
        synchronized (pending) {
            return stopped;
        }
    }

    private void commitInTurn() throws IOException {
        synchronized (pending) {
            if (stopped) {
                // The run went on after a Ctrl-C or SIGTERM removed its new files: an unsigned one deleted the
                // earlier signature, leaving the deployed package unsigned (PackageOutputsTogetherTest).
                throw new IOException("package stopped before its files were replaced: " + dir + " is unchanged");
            }
            Map<Path, Path> earlier = new LinkedHashMap<>(); // name -> where its earlier file waits
            List<Path> replaced = new ArrayList<>();
            try {
                for (Path name : removed) {
                    moveAside(name, earlier);
                }
                for (Path name : pending.keySet()) {
                    keepAside(name, earlier);
                }
                for (Map.Entry<Path, Path> file : List.copyOf(pending.entrySet())) {
                    Files.move(file.getValue(), file.getKey(), StandardCopyOption.ATOMIC_MOVE);
                    replaced.add(file.getKey());
                    renamed.accept(file.getKey());
                }
            } catch (IOException e) {
                throw putBack(replaced, earlier, e);
            }
            pending.clear();
            DiskSync.FORCED.directory(dir); // the new set, on disk before the earlier one goes
            for (Path aside : earlier.values()) {
                try {
                    Files.deleteIfExists(aside);
                } catch (IOException e) {
                    // The new package is in place; the name says what is left.
                }
            }
            DiskSync.FORCED.directory(dir);
        }
    }

    /**
     * {@code name}'s earlier file, if any, also linked under a new name beside it (link(2): a symlink itself, not its
     * target), so that the name holds it until the new file's rename replaces it. Renamed aside, the name stood free
     * in every run: a reader found no tarball, a SIGKILL left none, and another user of a sticky --out could make a
     * file there that neither our rename nor the putting back may replace (PackageOutputsTogetherTest). Where no
     * second link can be made (vfat, fs.protected_hardlinks' EPERM for another user's file, EMLINK), renamed aside.
     */
    private void keepAside(Path name, Map<Path, Path> earlier) throws IOException {
        Path aside = asideOf(name);
        try {
            linker.link(aside, name);
        } catch (NoSuchFileException e) {
            return; // no earlier file of this name
        } catch (FileSystemException | UnsupportedOperationException e) {
            moveAside(name, earlier);
            return;
        }
        earlier.put(name, aside);
    }

    /** {@code name}'s earlier file, if any, renamed to a new name beside it: a name to go, or that cannot be linked. */
    private static void moveAside(Path name, Map<Path, Path> earlier) throws IOException {
        Path aside = asideOf(name);
        try {
            Files.move(name, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return; // no earlier file of this name
        }
        earlier.put(name, aside);
    }

    /**
     * A new name beside {@code name} for its earlier file. A directory at {@code name} is refused before anything
     * moves, as a rename onto it would be (EISDIR): one moved aside could not be deleted after.
     */
    private static Path asideOf(Path name) throws IOException {
        if (Files.isDirectory(name, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(name.toString(), null, "Is a directory");
        }
        return name.resolveSibling(randomName(name.getFileName().toString(), "earlier"));
    }

    /** {@code NAME.RANDOM.SUFFIX}: a name no other run picks, for a file made beside {@code name}. */
    private static String randomName(String name, String suffix) {
        return name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + "." + suffix;
    }

    /**
     * {@code failure}, after the earlier files are renamed back onto their names (replacing the new ones) and the new
     * names that had none are removed.
     */
    private IOException putBack(List<Path> replaced, Map<Path, Path> earlier, IOException failure) {
        List<Path> kept = new ArrayList<>();
        for (Path name : replaced) {
            if (!earlier.containsKey(name)) {
                try {
                    Files.deleteIfExists(name);
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
        }
        for (Map.Entry<Path, Path> file : earlier.entrySet()) {
            try {
                Files.move(file.getValue(), file.getKey(), StandardCopyOption.ATOMIC_MOVE);
                // A link whose name was not replaced yet: rename(2) of a link onto another of its file does nothing.
                Files.deleteIfExists(file.getValue());
            } catch (IOException e) {
                failure.addSuppressed(e);
                kept.add(file.getValue());
            }
        }
        try {
            DiskSync.FORCED.directory(dir);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        if (kept.isEmpty()) {
            return failure;
        }
        // The same fault again (a read-only remount): say where the earlier files are rather than lose them.
        FileSystemException said = new FileSystemException(
                dir.toString(),
                null,
                failure.getMessage() + "; the earlier package's files could not be put back, they are kept as "
                        + kept.stream()
                                .map(aside -> aside.getFileName().toString())
                                .toList());
        said.initCause(failure);
        return said;
    }

    /** The shutdown hook (Ctrl-C, SIGTERM): the files not renamed yet go. Package-private for its test. */
    void stopped() {
        synchronized (pending) {
            stopped = true;
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
