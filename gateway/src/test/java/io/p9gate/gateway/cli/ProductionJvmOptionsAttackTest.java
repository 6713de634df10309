package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-DEP-4 through the environment: the production command line is fixed, but the JVM also reads options from
 * {@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS} and {@code _JAVA_OPTIONS}. One {@code Environment=} line in a
 * drop-in turned on TLS debugging ({@code -Djavax.net.debug=all}: every decrypted 9P frame in the journal) or heap
 * dumps under {@code serve --profile production}, and the profile let it start. A child JVM, since only the
 * environment it starts with counts.
 */
class ProductionJvmOptionsAttackTest {
    @TempDir
    Path dir;

    AcceptableProduction setup;

    @BeforeEach
    void acceptableProductionSetup() throws Exception {
        setup = AcceptableProduction.in(dir);
    }

    private ServeProcess production(String variable, String options) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve"));
        args.addAll(List.of(setup.options()));
        return ServeProcess.start(Map.of(variable, options), args.toArray(String[]::new));
    }

    @Test
    void tlsDebuggingFromJavaToolOptionsIsRefused() throws Exception {
        try (ServeProcess serve = production("JAVA_TOOL_OPTIONS", "-Xmx256m -Djavax.net.debug=all")) {
            assertEquals(Main.EXIT_USAGE, serve.exitCode(), serve.stderr());
            assertTrue(
                    serve.stderr()
                            .contains("production profile refuses to start: JVM options from the environment: "
                                    + "JAVA_TOOL_OPTIONS has -Djavax.net.debug=all ("),
                    serve.stderr());
            assertFalse(serve.stderr().contains("\tat "), "no stack trace");
            assertFalse(Files.exists(setup.logs.dir), "refused before anything is opened");
        }
    }

    @Test
    void heapDumpsFromTheOtherVariablesAreRefused() throws Exception {
        for (String variable : EnvironmentJvmOptions.VARIABLES) {
            try (ServeProcess serve = production(variable, "-XX:+HeapDumpOnOutOfMemoryError")) {
                assertEquals(Main.EXIT_USAGE, serve.exitCode(), variable + ": " + serve.stderr());
                assertTrue(serve.stderr().contains(variable + " has -XX:+HeapDumpOnOutOfMemoryError"), serve.stderr());
            }
        }
    }

    @Test
    void heapSizesFromTheEnvironmentAreAccepted() throws Exception {
        try (ServeProcess serve = production("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:MaxRAMPercentage=50")) {
            assertEquals(Main.EXIT_FAILURE, serve.exitCode(), serve.stderr());
            assertTrue(serve.stderr().contains("not a socket"), "the start went on to bind: " + serve.stderr());
        }
    }
}
