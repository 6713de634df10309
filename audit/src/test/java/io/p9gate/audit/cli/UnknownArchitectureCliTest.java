package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p9gate audit verify} on a host whose kernel values p9gate does not know (HostAbi, docs/platforms.md): it is
 * refused by name, as a typed error the command reports in one line. Before, the architecture check ran in
 * FileCalls' static initialiser: the first read died with ExceptionInInitializerError (a stack trace, exit 1, as an
 * internal fault), and a second look in the same JVM with NoClassDefFoundError, which names no architecture.
 */
class UnknownArchitectureCliTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void verifyOnAnUnknownArchitectureIsRefusedInOneLineNamingIt() throws Exception {
        ReviewedLog reviewed = ReviewedLog.withDecisions(tmp, 5);
        Process verify = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        OnRiscv64.class.getName(),
                        "verify",
                        "--log",
                        reviewed.log().toString(),
                        "--key",
                        reviewed.pub().toString()))
                .redirectErrorStream(true)
                .start();
        String err = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS), "verify ends");

        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertFalse(err.contains("ExceptionInInitializerError") || err.contains("NoClassDefFoundError"), err);
        assertTrue(err.contains("riscv64"), "names the architecture: " + err);
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.startsWith("p9gate audit verify: error: "), err);
        assertEquals(1, verify.exitValue(), "nothing is verified: " + err);
    }

    /**
     * The audit command as a riscv64 host runs it. Not {@code -Dos.arch}: the JDK's own linker would take that
     * architecture's calling convention and crash; it is chosen first, so only p9gate's code sees the other name.
     */
    static final class OnRiscv64 {
        public static void main(String[] args) {
            java.lang.foreign.Linker.nativeLinker().defaultLookup();
            System.setProperty("os.arch", "riscv64");
            AuditCommand.main(args);
        }
    }
}
