package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assumptions.abort;

import io.p9gate.gateway.testing.Processes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * diod (Debian's reference 9P2000.L server) serving one directory on loopback,
 * to validate the guest harness and the guest scripts against a known server.
 * Flags: {@code -f} foreground, {@code -n} no MUNGE auth, {@code -e} export;
 * never {@code -N}: the kernel's first attach is uname "nobody", which needs the
 * user database.  The export and its parents must be traversable by nobody.
 */
public final class DiodServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final InetSocketAddress address;
    private final Path export;

    private DiodServer(Process process, InetSocketAddress address, Path export) {
        this.process = process;
        this.address = address;
        this.export = export;
    }

    /** Starts diod on a free loopback port, or aborts the test when diod cannot run here. */
    public static DiodServer start(Path export, Path log) throws IOException, InterruptedException {
        Path diod = GuestHarness.findOnPath("diod").orElseGet(() -> abort("diod not installed (apt-get install diod)"));
        if (!"root".equals(System.getProperty("user.name"))) {
            abort("diod must run as root to serve the kernel's per-user attaches");
        }
        int port = freePort();
        Process process = new ProcessBuilder(List.of(
                        diod.toString(),
                        "-f",
                        "-n",
                        "-e",
                        export.toString(),
                        "-l",
                        "127.0.0.1:" + port,
                        "-L",
                        log.toString()))
                .directory(log.getParent().toFile()) // a core dump of diod lands there, not in the checkout
                .redirectErrorStream(true)
                .redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile())
                .start();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        DiodServer server = new DiodServer(process, address, export);
        server.awaitListening();
        return server;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** diod's attach name is the exported path. */
    public String aname() {
        return export.toString();
    }

    private void awaitListening() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("diod exited with " + process.exitValue() + " before listening");
            }
            try (Socket probe = new Socket()) {
                probe.connect(address, 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        close();
        throw new IOException("diod did not listen on " + address + " within " + START_TIMEOUT);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Stops only the diod this object started. */
    @Override
    public void close() {
        process.destroy();
        if (!Processes.awaitExit(process, 10)) {
            process.destroyForcibly();
        }
    }
}
