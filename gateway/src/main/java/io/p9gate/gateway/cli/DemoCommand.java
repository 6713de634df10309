package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.ShareServerFactory;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.SessionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code p9gate demo}: serves a scratch copy of the bundled demo share on loopback, so a new user
 * sees the gateway work without writing any configuration and without the repository being
 * modified. See docs/cli.md.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Serve a scratch copy of the bundled demo share (src/demo/share) on 127.0.0.1 "
                + "and a Unix socket until Ctrl-C.")
final class DemoCommand implements Callable<Integer> {
    static final String SHARE_NAME = "demo";
    /**
     * The guest test harness (../shared/guest) cannot carry guest-to-host frames over 64 KiB, so the
     * demo advertises this iounit; a real virtio-9p guest does not need it (serve has no limit).
     */
    static final int HARNESS_IOUNIT = 65536 - 24;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port = 5640;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Unix socket path (default: $XDG_RUNTIME_DIR/p9gate-demo.sock, else /tmp/p9gate-demo-UID.sock).")
    Path socket;

    @Option(names = "--keep", description = "Keep the scratch copy on exit (its path is printed).")
    boolean keep;

    @Override
    public Integer call() throws IOException {
        Path source = DemoFiles.bundledShare();
        Path socketPath = socket != null ? socket.toAbsolutePath() : DemoFiles.defaultSocket();
        List<ListenSpec> listeners;
        try {
            listeners = List.of(new ListenSpec.Tcp("127.0.0.1", port), new ListenSpec.Unix(socketPath));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path scratch = DemoFiles.scratchCopy(source);
        Path share = scratch.resolve("share");
        GatewayConfig config = new GatewayConfig(listeners, new ShareServerFactory(Map.of(SHARE_NAME, share)),
                GatewayConfig.DEFAULT_MSIZE, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
                SessionSettings.DEFAULT_MAX_OUTSTANDING, HARNESS_IOUNIT);
        Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (IOException e) {
            DemoFiles.deleteTree(scratch);
            throw new IOException("cannot listen on " + listeners.getFirst().describe() + " or "
                    + listeners.getLast().describe() + ": " + e.getMessage() + " (try --port or --socket)", e);
        }
        announce(source, share, socketPath);
        Foreground.runUntilStopped(gateway, () -> {
            if (!keep) {
                DemoFiles.deleteTree(scratch);
            }
        });
        return 0;
    }

    private void announce(Path source, Path share, Path socketPath) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("p9gate demo: serving a scratch copy of " + source + " as share \"" + SHARE_NAME + "\"");
        out.println("  scratch dir: " + share + (keep ? " (kept on exit)" : ""));
        out.println("  listening:   tcp:127.0.0.1:" + port);
        out.println("  listening:   unix:" + socketPath);
        out.println("mount it from a Linux guest that can reach this host's 127.0.0.1:" + port + ":");
        out.println("  mount -t 9p -o trans=tcp,port=" + port + ",version=9p2000.L,aname=" + SHARE_NAME
                + " 127.0.0.1 /mnt");
        DemoFiles.guestHarness().ifPresent(runGuest -> {
            out.println("or boot a throwaway test guest that mounts it and runs a smoke test:");
            out.println("  " + runGuest + " --server 127.0.0.1:" + port + " --aname " + SHARE_NAME
                    + " --script " + runGuest.resolveSibling("examples/smoke.sh"));
        });
        out.println("Ctrl-C stops the demo" + (keep ? "." : " and deletes the scratch copy."));
        out.flush();
        spec.commandLine().getErr().println(
                "p9gate demo: WARNING: no policy is enforced in the demo; every client may read and write the share");
        spec.commandLine().getErr().flush();
    }

    /** Where the demo's files come from and go to. */
    static final class DemoFiles {
        private DemoFiles() {
        }

        /** The installation root: the launcher passes -Dp9gate.home; otherwise the nearest ancestor of the cwd with src/demo. */
        static Path home() {
            String home = System.getProperty("p9gate.home");
            if (home != null) {
                return Path.of(home);
            }
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                if (Files.isDirectory(dir.resolve("src/demo/share"))) {
                    return dir;
                }
            }
            throw new IllegalStateException("cannot find the bundled demo share (src/demo/share); run ./p9gate demo "
                    + "from the p9gate checkout or distribution");
        }

        static Path bundledShare() {
            Path share = home().resolve("src/demo/share");
            if (!Files.isDirectory(share)) {
                throw new IllegalStateException("the bundled demo share is missing: " + share);
            }
            return share;
        }

        static Path defaultSocket() {
            String runtime = System.getenv("XDG_RUNTIME_DIR");
            if (runtime != null && Files.isDirectory(Path.of(runtime))) {
                return Path.of(runtime, "p9gate-demo.sock");
            }
            return Path.of(System.getProperty("java.io.tmpdir"), "p9gate-demo-" + uid() + ".sock");
        }

        private static String uid() {
            try {
                return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return System.getProperty("user.name", "user");
            }
        }

        /** ../shared/guest/run-guest.sh beside the installation, if this machine has the test harness. */
        static java.util.Optional<Path> guestHarness() {
            Path runGuest = home().toAbsolutePath().resolveSibling("shared/guest/run-guest.sh");
            return Files.isExecutable(runGuest) ? java.util.Optional.of(runGuest.normalize())
                    : java.util.Optional.empty();
        }

        /**
         * Copies the demo share into a fresh directory; both are 0755 because the Linux client's
         * first attach is done as "nobody", which must be able to reach the share.
         */
        static Path scratchCopy(Path source) throws IOException {
            Path scratch = Files.createTempDirectory("p9gate-demo-");
            Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path target = scratch.resolve("share");
            try (Stream<Path> tree = Files.walk(source)) {
                tree.forEach(from -> copy(from, target.resolve(source.relativize(from).toString())));
            } catch (UncheckedIOException e) {
                deleteTree(scratch);
                throw e.getCause();
            }
            return scratch;
        }

        private static void copy(Path from, Path to) {
            try {
                Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                if (Files.isDirectory(to)) {
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Best effort: a demo that cannot delete its scratch copy says where it is. */
        static void deleteTree(Path root) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        Files.delete(dir);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                System.err.println("p9gate demo: could not delete the scratch copy " + root + ": " + e.getMessage());
            }
        }
    }
}
