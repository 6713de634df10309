package io.p9gate.gateway.packaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The packager's scratch tree in the temporary directory (jlink's runtime, ~130 MB, and the generated files), removed
 * when the run ends, and by a Ctrl-C or SIGTERM too, which skip the run's {@code finally}: each left a
 * {@code p9gate-package-*} tree behind. A stop first ends the jlink it runs, which would write on into the tree.
 */
final class StagingDirectory implements AutoCloseable {
    /**
     * Removing while the run still writes may find a new entry: passes go on until the tree is gone, for at most this
     * long (it delays the halt only while the run keeps writing). Five passes were not always enough on a loaded
     * machine: the full suite's StagingDirectoryStopTest found the tree left.
     */
    private static final Duration REMOVE_FOR = Duration.ofSeconds(2);

    private final Path root;
    private final Thread onStop = new Thread(this::stopped, "p9gate-package-staging");
    private Process running; // guarded by this
    private boolean stopping; // guarded by this

    StagingDirectory() throws IOException {
        this.root = Files.createTempDirectory("p9gate-package-");
        try {
            Runtime.getRuntime().addShutdownHook(onStop);
        } catch (IllegalStateException e) {
            // A Ctrl-C or SIGTERM came first: its hooks are running and would never see this tree.
            Files.delete(root);
            throw new IOException("package stopped before it began", e);
        }
    }

    Path root() {
        return root;
    }

    /** Starts a process writing into the tree (jlink), ended by a stop; refused once stopping. */
    synchronized Process start(ProcessBuilder builder) throws IOException {
        if (stopping) {
            throw new IOException("stopping: " + builder.command().getFirst() + " not started");
        }
        running = builder.start();
        return running;
    }

    /** The shutdown hook (Ctrl-C, SIGTERM): the process ends, then the tree goes. Package-private for its test. */
    void stopped() {
        Process process;
        synchronized (this) {
            stopping = true;
            process = running;
        }
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long until = System.nanoTime() + REMOVE_FOR.toNanos();
        while (Files.exists(root) && System.nanoTime() - until < 0) {
            try {
                removeTree();
            } catch (IOException e) {
                // The run made an entry while the walk went: another pass.
            }
        }
    }

    private void removeTree() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(onStop);
        } catch (IllegalStateException e) {
            return; // stopping already: the hook removes the tree
        }
        if (Files.exists(root)) {
            removeTree();
        }
    }
}
