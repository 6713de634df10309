package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code p9gate serve --policy} of the two-VM {@link PolicyFixture} (alpha the attacker, beta the bystander) with
 * a signed audit log, in a JVM of its own: what a VM can do to the gateway's heap and descriptors is only
 * visible in a process whose limits the test chooses ({@code -Xmx}, {@code ulimit -n}), and whose SIGTERM
 * behaviour is its own. Used by the resource-budget attack tests of issue 8.
 */
final class BudgetAttackGateway implements AutoCloseable {
    /** Liveness bound for start-up and for the bystander's calls: the point is "answered at all", not speed. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    /**
     * Bound for the child JVM to print its ready line: a cold JVM loading Cedar took over 30 s on two cores at load
     * 21 (full suite beside other builds), which is the machine's slowness, not the gateway's.
     */
    private static final Duration START_PATIENCE = Duration.ofSeconds(120);

    final PolicyFixture fixture;
    final SignedLogs audit;
    private final Process process;
    private final Path log;

    private BudgetAttackGateway(PolicyFixture fixture, SignedLogs audit, Process process, Path log) {
        this.fixture = fixture;
        this.audit = audit;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the gateway and waits until both VMs' sockets accept.
     *
     * @param heap      the {@code -Xmx} value, e.g. {@code "256m"}
     * @param openFiles the {@code ulimit -n} of the process, or 0 to inherit the test's
     */
    static BudgetAttackGateway start(Path tmp, String heap, int openFiles) throws Exception {
        PolicyFixture fixture = new PolicyFixture(tmp);
        SignedLogs audit = SignedLogs.in(tmp);
        List<String> java = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                classPath(),
                "io.p9gate.gateway.cli.Main",
                "serve",
                "--policy",
                fixture.policyFile.toString(),
                "--ownership",
                "xattr",
                "--audit-dir",
                audit.dir.toString(),
                "--audit-key",
                audit.privateKey.toString()));
        List<String> command = new ArrayList<>();
        if (openFiles > 0) {
            command.addAll(List.of("bash", "-c", "ulimit -n " + openFiles + " && exec \"$@\"", "serve"));
        }
        command.addAll(java);
        Path log = tmp.resolve("gateway.log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        BudgetAttackGateway gateway = new BudgetAttackGateway(fixture, audit, process, log);
        try {
            gateway.awaitReady();
        } catch (Exception | AssertionError e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    /** Surefire passes the test class path in a property; the JVM's own may be a manifest-only jar. */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + START_PATIENCE.toNanos();
        while (!output().contains("SIGHUP reloads it")) {
            if (!process.isAlive()) {
                throw new AssertionError("gateway exited with " + process.exitValue() + ":\n" + output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gateway did not start within " + START_PATIENCE + ":\n" + output());
            }
            Thread.sleep(50);
        }
    }

    /** A session of VM alpha (the attacker), negotiated with msize 64 KiB + header. */
    P9Client alpha() throws Exception {
        return open(fixture.alphaSocket);
    }

    /** As {@link #alpha()}, negotiating {@code dialect} (9P2000.u or 9P2000: the legacy dialects of issue 14). */
    P9Client alpha(Dialect dialect) throws Exception {
        return open(fixture.alphaSocket, dialect);
    }

    /** A session of VM beta (the bystander); its calls give up after {@link #PATIENCE}. */
    P9Client beta() throws Exception {
        return open(fixture.betaSocket);
    }

    private static P9Client open(Path socket) throws Exception {
        return open(socket, Dialect.L);
    }

    private static P9Client open(Path socket, Dialect dialect) throws Exception {
        P9Client client = P9Client.connect(UnixDomainSocketAddress.of(socket), 65536 + 4096);
        client.timeout(PATIENCE);
        try {
            RMessage.Rversion agreed = client.version(65536 + 4096, dialect.version());
            if (!agreed.version().equals(dialect.version())) {
                throw new IOException("the gateway answered " + agreed.version() + " to " + dialect.version());
            }
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** What beta must always be able to do: attach, walk, open and read its file, as a new session. */
    String betaReadsItsFile() throws Exception {
        try (P9Client beta = beta()) {
            beta.attach(0, "beta", "other", 0);
            beta.walk(0, 1, "readme");
            beta.lopen(1, 0);
            String text = new String(beta.read(1, 0, 100), StandardCharsets.UTF_8);
            beta.clunk(1);
            return text;
        }
    }

    /** The gateway's descriptors now ({@code /proc/PID/fd}; bash execs the JVM, so its pid is the gateway's). */
    long openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, then waits up to {@code bound} for the process to end; true if it did. */
    boolean terminate(Duration bound) throws InterruptedException {
        process.destroy();
        return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            // Killed without waiting for it to go: a close must not be interruptible (AutoCloseable).
            process.destroyForcibly();
        }
    }
}
