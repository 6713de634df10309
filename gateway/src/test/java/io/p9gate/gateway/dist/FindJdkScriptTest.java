package io.p9gate.gateway.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.guest.RepoPaths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher's JDK discovery (src/bin/find-jdk.sh), exercised by its bash test with fake JDKs. */
class FindJdkScriptTest {
    private static final Pattern SUMMARY = Pattern.compile("# find-jdk: (\\d+) checks, (\\d+) failed");

    @Test
    void discoveryOrderAndErrorsBehaveAsDocumented() throws Exception {
        Process test = new ProcessBuilder("bash", RepoPaths.root().resolve("src/bin/find-jdk-test.sh").toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(test.getInputStream().readAllBytes());
        assertTrue(test.waitFor(60, TimeUnit.SECONDS), "find-jdk-test.sh did not finish");

        Matcher summary = SUMMARY.matcher(output);
        assertTrue(summary.find(), () -> "no summary line:\n" + output);
        assertTrue(Integer.parseInt(summary.group(1)) >= 13, () -> "checks went missing:\n" + output);
        assertEquals("0", summary.group(2), output);
        assertEquals(0, test.exitValue(), output);
    }
}
