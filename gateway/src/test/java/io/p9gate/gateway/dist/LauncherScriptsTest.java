package io.p9gate.gateway.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.guest.RepoPaths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher scripts' own bash tests: JDK discovery (src/bin/find-jdk.sh, fake
 * JDK homes) and ./p9gate's build-if-needed logic (fake mvn and java).
 */
class LauncherScriptsTest {
    private static final Pattern SUMMARY = Pattern.compile("# [a-z-]+: (\\d+) checks, (\\d+) failed");

    @ParameterizedTest(name = "{0}")
    @CsvSource({"src/bin/find-jdk-test.sh, 15", "src/bin/launcher-test.sh, 41"})
    void scriptTestPasses(String script, int expectedChecks) throws Exception {
        Process test = new ProcessBuilder(
                        "bash", RepoPaths.root().resolve(script).toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(test.getInputStream().readAllBytes());
        assertTrue(test.waitFor(600, TimeUnit.SECONDS), script + " did not finish");

        Matcher summary = SUMMARY.matcher(output);
        assertTrue(summary.find(), () -> "no summary line:\n" + output);
        assertEquals(expectedChecks, Integer.parseInt(summary.group(1)), () -> "checks went missing:\n" + output);
        assertEquals("0", summary.group(2), output);
        assertEquals(0, test.exitValue(), output);
    }
}
