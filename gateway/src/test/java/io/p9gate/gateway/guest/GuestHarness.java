package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assumptions.abort;

import io.p9gate.gateway.server.Gateway;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a shell script inside a throwaway Linux guest whose kernel 9P client
 * mounts a server on this host (the shared harness {@code shared/guest/run-guest.sh}).
 *
 * <p>{@link #locate()} aborts the calling test (JUnit assumption, with the reason)
 * when the harness is absent, switched off ({@code -Dp9gate.guest.skip=true}) or
 * not set up (no QEMU or no cached guest kernel: run {@code shared/guest/setup.sh}).
 */
public final class GuestHarness {
    /** Time allowed on top of the guest timeout for QEMU to stop and the harness to report. */
    private static final long EXIT_GRACE_SECONDS = 60;
    /**
     * Boots tried while the guest kernel panics before the script (TCG's IO-APIC timer check, which a loaded host
     * fails: three boots in a row panicked at load 25 in session 44; each costs about a second).
     */
    private static final int BOOTS = 5;

    private final Path runGuest;
    private final Path logDir;

    private GuestHarness(Path runGuest, Path logDir) {
        this.runGuest = runGuest;
        this.logDir = logDir;
    }

    /** The harness, or an aborted test saying why it cannot run here. */
    public static GuestHarness locate() {
        if (Boolean.getBoolean("p9gate.guest.skip")) {
            abort("guest tests switched off (-Dp9gate.guest.skip=true)");
        }
        Path runGuest = guestDir()
                .map(dir -> dir.resolve("run-guest.sh"))
                .filter(Files::isExecutable)
                .orElseGet(() -> abort("no shared/guest/run-guest.sh next to the repository (set P9GATE_GUEST_DIR)"));
        if (findOnPath("qemu-system-x86_64").isEmpty()) {
            abort("qemu-system-x86_64 not installed: run shared/guest/setup.sh as root");
        }
        Path cache = guestCache();
        if (!hasGuestKernel(cache)) {
            abort("no guest kernel in " + cache + ": run shared/guest/setup.sh as root");
        }
        return new GuestHarness(runGuest, RepoPaths.root().resolve("gateway/target/guest-logs"));
    }

    /**
     * Runs {@code run} against the 9P server listening on {@code server}; the output
     * is also kept in {@code gateway/target/guest-logs/<label>.log}.
     */
    public GuestResult run(String label, InetSocketAddress server, GuestRun run)
            throws IOException, InterruptedException {
        String hostPort = server.getAddress().getHostAddress() + ":" + server.getPort();
        return run(label, List.of("--server", hostPort), run);
    }

    /** As {@link #run(String, InetSocketAddress, GuestRun)}, on {@code gateway}'s first listener (a TCP one). */
    public GuestResult run(String label, Gateway gateway, GuestRun run) throws IOException, InterruptedException {
        return run(label, (InetSocketAddress) gateway.boundAddresses().getFirst(), run);
    }

    /**
     * As {@link #run(String, InetSocketAddress, GuestRun)}, the guest's connection being mutual TLS with the
     * client certificate in {@code tlsDir} ({@code ca-cert.pem}, {@code client-cert.pem}, {@code client-key.pem}).
     */
    public GuestResult runTls(String label, InetSocketAddress server, Path tlsDir, GuestRun run)
            throws IOException, InterruptedException {
        String hostPort = server.getAddress().getHostAddress() + ":" + server.getPort();
        return run(label, List.of("--server", hostPort, "--tls-dir", tlsDir.toString()), run);
    }

    /** As {@link #run(String, InetSocketAddress, GuestRun)}, for a server on a unix socket (run-guest.sh --unix). */
    public GuestResult run(String label, Path unixSocket, GuestRun run) throws IOException, InterruptedException {
        return run(label, List.of("--unix", unixSocket.toString()), run);
    }

    /**
     * As {@link #run(String, Path, GuestRun)}, with run-guest.sh's environment extended by {@code harnessEnv}
     * (e.g. {@code H9_QEMU_EXTRA}: more QEMU devices for the VM).
     */
    public GuestResult run(String label, Path unixSocket, GuestRun run, Map<String, String> harnessEnv)
            throws IOException, InterruptedException {
        return run(label, List.of("--unix", unixSocket.toString()), run, harnessEnv);
    }

    private GuestResult run(String label, List<String> server, GuestRun run) throws IOException, InterruptedException {
        return run(label, server, run, Map.of());
    }

    private GuestResult run(String label, List<String> server, GuestRun run, Map<String, String> harnessEnv)
            throws IOException, InterruptedException {
        GuestResult result = runOnce(label, server, run, harnessEnv);
        for (int boot = 2; boot <= BOOTS && result.panickedWhileBooting(); boot++) {
            System.err.println("guest " + label + ": the guest kernel panicked while booting (see its log); boot "
                    + boot + " of " + BOOTS);
            result = runOnce(label, server, run, harnessEnv);
        }
        return result;
    }

    private GuestResult runOnce(String label, List<String> server, GuestRun run, Map<String, String> harnessEnv)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", runGuest.toString()));
        command.addAll(run.arguments(server));
        Files.createDirectories(logDir);
        Path log = logDir.resolve(label.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(harnessEnv);
        Process process = builder.start();
        boolean finished = process.waitFor(run.timeout().toSeconds() + EXIT_GRACE_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        int exit = finished ? process.exitValue() : 124;
        return new GuestResult(exit, output, TapParser.parse(output));
    }

    /** P9GATE_GUEST_DIR, else {@code shared/guest} in the nearest ancestor of the repository that has one. */
    static Optional<Path> guestDir() {
        String fromEnv = System.getenv("P9GATE_GUEST_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(Path.of(fromEnv));
        }
        for (Path dir = RepoPaths.root().getParent(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/guest");
            if (Files.isRegularFile(candidate.resolve("run-guest.sh"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Same rule as run-guest.sh: H9_CACHE, else $XDG_CACHE_HOME/p9-guest, else ~/.cache/p9-guest. */
    static Path guestCache() {
        String cache = System.getenv("H9_CACHE");
        if (cache != null && !cache.isBlank()) {
            return Path.of(cache);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("p9-guest");
    }

    /** run-guest.sh needs kernel/lib/modules/VERSION and vmlinux-VERSION (or the kernel's vmlinuz). */
    static boolean hasGuestKernel(Path cache) {
        Path modules = cache.resolve("kernel/lib/modules");
        if (!Files.isDirectory(modules)) {
            return false;
        }
        try (Stream<Path> versions = Files.list(modules)) {
            return versions.map(dir -> dir.getFileName().toString())
                    .anyMatch(version -> Files.isReadable(cache.resolve("vmlinux-" + version))
                            || Files.isReadable(cache.resolve("kernel/boot/vmlinuz-" + version)));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * run-guest.sh's {@code H9_QEMU_EXTRA} for more virtio-serial ports, each named as in {@code names} and connected
     * to {@code socket} at QEMU's start (another connection of the VM, which the guest mounts through when it opens the
     * port: p9sock or p9gate-mount); the harness's own port "p9" is held by its relay.
     */
    static Map<String, String> extraPorts(Path socket, List<String> names) {
        StringBuilder ports = new StringBuilder();
        for (String name : names) {
            ports.append(" -chardev socket,id=%1$s,path=%2$s -device virtserialport,bus=vser0.0,chardev=%1$s,name=%1$s"
                    .formatted(name, socket));
        }
        return Map.of("H9_QEMU_EXTRA", ports.toString().strip());
    }

    /** An executable on PATH or in the sbin directories (diod lives in /usr/sbin). */
    public static Optional<Path> findOnPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
