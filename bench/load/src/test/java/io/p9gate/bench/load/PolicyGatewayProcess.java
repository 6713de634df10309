package io.p9gate.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code p9gate serve --policy FILE} in a JVM of its own (this test's class path, which holds the gateway and its
 * libraries), as the benchmarks run it; ready once it has printed the line that ends its start.
 */
final class PolicyGatewayProcess implements AutoCloseable {
    /** serve --policy prints it after every listener is bound. */
    private static final String READY = "SIGHUP reloads it";

    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private PolicyGatewayProcess(Process process) {
        this.process = process;
    }

    static PolicyGatewayProcess serve(Path policy, String... options) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "io.p9gate.gateway.cli.Main",
                "serve",
                "--policy",
                policy.toString()));
        command.addAll(List.of(options));
        PolicyGatewayProcess served = new PolicyGatewayProcess(
                new ProcessBuilder(command).redirectErrorStream(true).start());
        if (!served.ready().get(2, TimeUnit.MINUTES)) {
            served.close();
            throw new IllegalStateException("serve --policy did not start: " + served.output);
        }
        return served;
    }

    /** Completes true at the ready line, false if the process ends first; keeps the output for messages. */
    private CompletableFuture<Boolean> ready() {
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = lines.readLine()) != null; ) {
                            output.append(line).append('\n');
                            if (line.contains(READY)) {
                                ready.complete(true);
                            }
                        }
                    } catch (IOException e) {
                        // the process is gone: reported below
                    }
                    ready.complete(false);
                },
                "policy-gateway-output");
        reader.setDaemon(true);
        reader.start();
        return ready;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            // Closing must not leave the gateway running: kill it and keep the interrupt for the caller.
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
