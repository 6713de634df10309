package io.p9gate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own umask never reaches the guest's create mode (issue 15, cause 1): the guest already applied
 * its umask, so a gateway started from a shell with umask 022 must still create 0620, 0777 and 0666 as asked.
 * The gateway runs in a child JVM whose umask is set by {@code sh}, whatever the umask of the build.
 */
class CreateModeUmaskTest {
    @TempDir
    Path share;

    @Test
    void aGatewayUnderUmask022CreatesTheModesTheGuestAsked() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(
                        "/bin/sh",
                        "-c",
                        "umask 022 && exec \"$0\" \"$@\"",
                        java.toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        UmaskedCreates.class.getName(),
                        share.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not exit");
        assertEquals(0, child.exitValue(), output);
        assertEquals(
                List.of("Umask:\t0022"),
                output.lines().filter(l -> l.startsWith("Umask:")).toList(),
                output);

        assertEquals(Integer.toOctalString(UmaskedCreates.FILE_MODE), hostMode("file"));
        assertEquals(Integer.toOctalString(UmaskedCreates.DIR_MODE), hostMode("dir"));
        assertEquals(Integer.toOctalString(UmaskedCreates.FIFO_MODE), hostMode("fifo"));
    }

    private String hostMode(String name) throws Exception {
        return Integer.toOctalString((int) Files.getAttribute(share.resolve(name), "unix:mode") & 07777);
    }
}
