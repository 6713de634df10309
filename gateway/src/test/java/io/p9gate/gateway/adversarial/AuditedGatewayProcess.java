package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.auditing.SignedLogs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The audit engineer's rig for attacks that need a whole gateway process (a {@code kill -9}, a descriptor
 * limit): {@code p9gate serve --policy FILE --audit-dir DIR --audit-key KEY} in its own JVM, started from the
 * test's own classpath, with one VM {@code alpha} whose share {@code data} is {@link #share}. The log and key
 * ({@link SignedLogs}) live beside the share, never inside it.
 */
final class AuditedGatewayProcess {
    /** Printed by serve once the listeners are bound and the log is open. */
    private static final String READY = "p9gate: audit log ";

    final Path share;
    final Path socket;
    final SignedLogs logs;
    private final Path tmp;
    private final Path policy;
    private final Path stderr;
    private final List<String> extraServeArgs;
    private Process process;

    /** @param extraServeArgs more {@code serve} options, e.g. an audit disk budget */
    AuditedGatewayProcess(Path tmp, List<String> extraServeArgs) throws Exception {
        this(tmp, tmp, List.of("alpha"), "", extraServeArgs);
    }

    /**
     * @param logParent where the log and its key go (a small file system of its own, say), never inside a share
     * @param vms the VMs, each with a read-write share {@code data} at {@link #shareOf}, listening at {@link #socketOf}
     * @param shareExtra YAML lines added to every share (indented as its keys), e.g. a quota
     */
    AuditedGatewayProcess(Path tmp, Path logParent, List<String> vms, String shareExtra, List<String> extraServeArgs)
            throws Exception {
        this.tmp = tmp;
        share = shareOf(vms.getFirst());
        socket = socketOf(vms.getFirst());
        logs = SignedLogs.in(logParent);
        stderr = tmp.resolve("gateway.stderr");
        this.extraServeArgs = List.copyOf(extraServeArgs);
        StringBuilder yaml = new StringBuilder("image: adversarial\nvms:\n");
        for (String vm : vms) {
            Files.createDirectories(shareOf(vm));
            yaml.append("""
                      %s:
                        listen: unix:%s
                        shares:
                          data:
                            path: %s
                            access: read-write
                    """.formatted(vm, socketOf(vm), shareOf(vm)));
            shareExtra.lines().forEach(l -> yaml.append("        ").append(l).append('\n'));
        }
        policy = Files.writeString(tmp.resolve("policy.yaml"), yaml);
    }

    /** The host folder of {@code vm}'s share (the first VM's is {@code tmp/share}, as before there were more). */
    Path shareOf(String vm) {
        return tmp.resolve(vm.equals("alpha") ? "share" : "share-" + vm);
    }

    Path socketOf(String vm) {
        return tmp.resolve(vm + ".sock");
    }

    /** The gateway's process id, e.g. to count its descriptors in /proc. */
    long pid() {
        return process.pid();
    }

    /**
     * Starts the gateway and returns once it serves. {@code maxDescriptors} > 0 runs it under that
     * {@code ulimit -n}, from a jar of the project's classes (as shipped): a class in a directory costs a
     * descriptor each time one is loaded, a jar is held open. Startup flags favour a short-lived JVM (C1 only,
     * serial GC): this rig restarts often.
     */
    void start(int maxDescriptors) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        if (maxDescriptors > 0) {
            classpath = packaged(classpath);
        }
        List<String> java = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-cp",
                classpath,
                "io.p9gate.gateway.cli.Main",
                "serve",
                "--policy",
                policy.toString(),
                "--audit-dir",
                logs.dir.toString(),
                "--audit-key",
                logs.privateKey.toString()));
        java.addAll(extraServeArgs);
        List<String> command = maxDescriptors > 0
                ? List.of("bash", "-c", "ulimit -n " + maxDescriptors + " && exec \"$@\"", "gateway")
                : List.of();
        List<String> all = new ArrayList<>(command);
        all.addAll(java);
        process = new ProcessBuilder(all)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> readStdout(ready));
        try {
            ready.get(180, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new AssertionError("the gateway did not start within 180 s; stderr:\n" + stderrText());
        }
    }

    /** The classpath with the modules' class directories packed into one jar (test classes left out). */
    private String packaged(String classpath) throws IOException {
        Path jar = share.resolveSibling("p9gate-classes.jar");
        List<String> entries = new ArrayList<>(List.of(jar.toString()));
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : classpath.split(java.io.File.pathSeparator)) {
                Path p = Path.of(entry);
                if (!Files.isDirectory(p)) {
                    entries.add(entry);
                } else if (!p.endsWith("test-classes")) {
                    addTree(out, p);
                }
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static void addTree(java.util.jar.JarOutputStream out, Path root) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = root.relativize(f).toString().replace('\\', '/');
                if (name.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                out.putNextEntry(new java.util.jar.JarEntry(name));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }

    private void readStdout(CompletableFuture<Void> ready) {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith(READY)) {
                    ready.complete(null);
                }
            }
            ready.completeExceptionally(new IOException("serve exited before it was ready"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    /** {@code kill -9}: no shutdown hook, no final checkpoint, whatever the page cache holds stays. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: the clean shutdown (shutdown record, final checkpoint); returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the gateway ignored SIGTERM for 120 s");
        }
        return process.exitValue();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String stderrText() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
