package io.p9gate.gateway.cli;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.testing.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code p9gate serve} in a child JVM (this test's class path), for what only a separate process shows: signals
 * (reload), the environment systemd gives (NOTIFY_SOCKET, JOURNAL_STREAM), the exit on SIGTERM.
 */
final class ServeProcess implements AutoCloseable {
    /** The JVM's status after its shutdown hooks ran on SIGTERM (128 + 15); the unit lists it as success. */
    static final int EXIT_ON_SIGTERM = 143;

    private static final long START_TIMEOUT_SECONDS = 60;
    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();

    private ServeProcess(Process process) {
        this.process = process;
        drain(process.inputReader(StandardCharsets.UTF_8), line -> stdout.add(line));
        drain(
                process.errorReader(StandardCharsets.UTF_8),
                line -> stderr.append(line).append('\n'));
    }

    /** Starts {@code p9gate ARGS} with these extra environment variables. */
    static ServeProcess start(Map<String, String> env, String... args) throws IOException {
        return start(env, null, args);
    }

    /** As {@link #start(Map, String...)}, with stderr written to {@code stderrFile} (null: kept here). */
    static ServeProcess start(Map<String, String> env, Path stderrFile, String... args) throws IOException {
        return start(List.of(), env, stderrFile, args);
    }

    /**
     * As {@link #start(Map, String...)}, started by {@code wrapper} (a command that execs its arguments, e.g.
     * {@code nohup}: SIGHUP ignored from the start, as its parent left it).
     */
    static ServeProcess startUnder(List<String> wrapper, String... args) throws IOException {
        return start(wrapper, Map.of(), null, args);
    }

    private static ServeProcess start(List<String> wrapper, Map<String, String> env, Path stderrFile, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment()
                .keySet()
                .removeIf(k -> k.equals("NOTIFY_SOCKET") || k.startsWith("WATCHDOG_") || k.equals("JOURNAL_STREAM"));
        builder.environment().putAll(env);
        if (stderrFile != null) {
            builder.redirectError(stderrFile.toFile());
        }
        return new ServeProcess(builder.start());
    }

    /**
     * {@code p9gate serve --policy POLICY} with the gateway's TLS certificate and key from {@code pki}, the signed
     * audit log of {@code logs} and {@code pidFile} (for {@code policy reload}), then {@code more} options.
     */
    static ServeProcess withTls(Path policy, TestPki pki, SignedLogs logs, Path pidFile, String... more)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--tls-cert",
                pki.dir().resolve(TestPki.SERVER_CERT).toString(),
                "--tls-key",
                pki.dir().resolve(TestPki.SERVER_KEY).toString()));
        args.addAll(List.of(more));
        return signed(policy, logs, pidFile, args.toArray(String[]::new));
    }

    /**
     * {@code p9gate serve --policy POLICY} with the signed audit log of {@code logs} and {@code pidFile} (for
     * {@code policy reload}), then {@code more} options.
     */
    static ServeProcess signed(Path policy, SignedLogs logs, Path pidFile, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "serve",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString(),
                "--pid-file",
                pidFile.toString()));
        args.addAll(List.of(more));
        return start(Map.of(), args.toArray(String[]::new));
    }

    private static void drain(BufferedReader reader, java.util.function.Consumer<String> sink) {
        Thread.ofPlatform().daemon().start(() -> {
            try (reader) {
                for (String line; (line = reader.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    /** Waits for a stdout line containing {@code fragment} (e.g. the policy line printed once serving). */
    String awaitStdout(String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            String line = stdout.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.contains(fragment)) {
                return line;
            }
            if (line == null && !process.isAlive()) {
                break;
            }
        }
        throw new AssertionError("no stdout line with '" + fragment + "'; stderr:\n" + stderr);
    }

    long pid() {
        return process.pid();
    }

    /**
     * SIGHUP, then the outcome serve writes beside {@code pidFile} once that reload is over (loaded or kept), waited
     * for 60 s at most.
     */
    String reloadBySighup(Path pidFile) throws IOException, InterruptedException {
        Path outcome = pidFile.resolveSibling(pidFile.getFileName() + ".reload");
        String before = Files.exists(outcome) ? Files.readString(outcome) : "";
        new ProcessBuilder("kill", "-HUP", Long.toString(pid()))
                .inheritIO()
                .start()
                .waitFor();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            String now = Files.exists(outcome) ? Files.readString(outcome) : "";
            if (!now.equals(before)
                    && !now.contains("reloading")
                    && (now.contains(" loaded ") || now.contains(" kept "))) {
                return now;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no reload outcome; stderr:\n" + stderr);
    }

    String stderr() {
        return stderr.toString();
    }

    /** Waits for the process to end by itself; its exit code. */
    int exitCode() throws InterruptedException {
        if (!process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("serve did not exit; stderr:\n" + stderr);
        }
        return process.exitValue();
    }

    /** SIGTERM, then the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("serve did not stop on SIGTERM; stderr:\n" + stderr);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            if (!Processes.awaitExit(process, START_TIMEOUT_SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
