package io.p9gate.gateway.compliance;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.testing.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code p9gate serve --policy FILE} with a signed audit log, forked as its own JVM the way an ECU image runs
 * it (the test's class path; the same JDK): started once it says where its audit log is, stopped with SIGTERM
 * (which signs the final checkpoint).
 */
final class ServedGateway implements AutoCloseable {
    final Path auditDir;
    final Path publicKey;
    private final Process process;
    private final List<String> output = new ArrayList<>();

    private ServedGateway(Process process, Path auditDir, Path publicKey) {
        this.process = process;
        this.auditDir = auditDir;
        this.publicKey = publicKey;
    }

    /** Serves {@code policy}, keys and audit log in {@code dir}; returns once every listener is bound. */
    static ServedGateway serve(Path policy, Path dir, String... serveOptions) throws Exception {
        Path key = dir.resolve("audit.key");
        Path pub = dir.resolve("audit.pub");
        KeyFiles.writeKeyPair(SigningKey.generate("compliance-test", new SecureRandom()), key, pub);
        Path audit = dir.resolve("audit-log");
        List<String> command = main(
                "serve", "--policy", policy.toString(), "--audit-dir", audit.toString(), "--audit-key", key.toString());
        command.addAll(List.of(serveOptions));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ServedGateway served = new ServedGateway(process, audit, pub);
        served.awaitStarted();
        return served;
    }

    /** The command line of {@code p9gate ARGS} as a JVM of its own: this JDK, the test's class path. */
    static List<String> main(String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "io.p9gate.gateway.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** Reads output until "p9gate: audit log" (printed after the listeners are bound), or the process ends. */
    private void awaitStarted() throws Exception {
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> started = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        for (String line; (line = lines.readLine()) != null; ) {
                            synchronized (output) {
                                output.add(line);
                            }
                            if (line.startsWith("p9gate: audit log ")) {
                                started.complete(true);
                            }
                        }
                    } catch (IOException e) {
                        // the process is gone; the future says so below
                    }
                    started.complete(false);
                },
                "served-gateway-output");
        reader.setDaemon(true);
        reader.start();
        if (!started.get(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("serve did not start: " + output());
        }
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        process.destroy();
        if (!Processes.awaitExit(process, 60)) {
            process.destroyForcibly();
        }
    }
}
