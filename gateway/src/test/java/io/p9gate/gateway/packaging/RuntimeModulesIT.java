package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged runtime's module list (issue 9 item 1) against what jdeps finds in the application jars: every
 * module a jar uses is linked in or named, with its reason, as not needed. A new dependency that needs another
 * module fails here, not on an ECU. Needs the jars of {@code mvn package}, hence an IT.
 */
class RuntimeModulesIT {
    private static final Pattern DEPENDENCY = Pattern.compile("^\\S+ -> ((?:java|jdk)\\.[a-z0-9.]+)$");

    @Test
    void everyModuleTheJarsUseIsLinkedOrKnownToBeUnneeded() throws Exception {
        assumeTrue(
                System.getProperty("test") == null || System.getProperty("it.test") != null,
                "-Dtest selects unit tests: this IT runs with the whole suite or -Dit.test=RuntimeModulesIT");
        Application app = Application.find(Path.of("target").toAbsolutePath());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "jdeps").toString(),
                "-s",
                "--ignore-missing-deps",
                "--multi-release",
                Integer.toString(Runtime.version().feature()),
                "--class-path",
                String.join(":", app.jars().stream().map(Path::toString).toList())));
        app.jars().forEach(jar -> command.add(jar.toString()));
        Process jdeps = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(jdeps.getInputStream().readAllBytes());
        assertEquals(true, jdeps.waitFor(10, TimeUnit.MINUTES), "jdeps finished");
        assertEquals(0, jdeps.exitValue(), output);

        Set<String> used = new TreeSet<>();
        Set<String> usedByOurs = new TreeSet<>();
        for (String line : output.lines().map(String::strip).toList()) {
            Matcher m = DEPENDENCY.matcher(line);
            if (m.matches()) {
                used.add(m.group(1));
                if (line.startsWith("p9gate-")) {
                    usedByOurs.add(m.group(1));
                }
            }
        }
        // NOT_NEEDED is for other jars' optional uses: what p9gate's own code uses, it reaches. Before, java.xml was
        // "Jackson's optional DOM handlers", while the compliance report and policy test --format junit write XML
        // with javax.xml.stream: the packaged `compliance run --report` ran every check, then died with a
        // NoClassDefFoundError and wrote no report.
        Set<String> oursUnlinked = new TreeSet<>(usedByOurs);
        oursUnlinked.removeAll(RuntimeImage.MODULES);
        assertEquals(Set.of(), oursUnlinked, "modules p9gate's own jars use that the runtime lacks:\n" + output);
        Set<String> unaccounted = new TreeSet<>(used);
        unaccounted.removeAll(RuntimeImage.MODULES);
        unaccounted.removeAll(RuntimeImage.NOT_NEEDED.keySet());
        assertEquals(Set.of(), unaccounted, "modules the jars use that the runtime lacks:\n" + output);
        assertEquals(
                List.of(),
                RuntimeImage.MODULES.stream().filter(m -> !used.contains(m)).toList(),
                "linked modules no jar uses any more:\n" + output);
    }
}
