package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text a policy file or a policy test file holds (an image name, a share directory, a read-only path, a case's
 * name and path) reaches the reviewer's terminal and the CI system's XML parser escaped, as {@code p9gate audit}
 * shows guests' names: a file under review cannot clear the screen, hide a line behind a bidi override or make
 * the JUnit report unparseable.
 */
class HostilePolicyTextTest {
    /** Clear screen, an OSC 8 hyperlink to a javascript: URL, a bidi override, a C1 CSI and a line separator. */
    private static final String HOSTILE = "\\e[2J\\e]8;;javascript:alert(1)\\e\\\\x\\u202eevil\\u009b2J\\u2028";

    @TempDir
    Path dir;

    private Path policy() throws Exception {
        return Files.writeString(dir.resolve("p.yaml"), """
                image: "img%1$s"
                vms:
                  vm1:
                    listen: unix:/run/p9gate/vm1.sock
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {squash: 3000}
                    shares:
                      data:
                        path: "/nonexistent/p9gate-%1$s"
                        access: read-write
                        read-only: ["/maps%1$s"]
                """.formatted(HOSTILE));
    }

    private Path tests() throws Exception {
        policy();
        return Files.writeString(dir.resolve("p.tests.yaml"), """
                policy: p.yaml
                cases:
                  - {name: "fails%1$s", vm: vm1, share: data, op: OPEN_WRITE, path: "/maps%1$s/x", expect: allow}
                  - {name: "errs%1$s", vm: vm1, share: "no%1$s", op: WALK, path: /, expect: allow}
                """.formatted(HOSTILE));
    }

    /** Nothing but printable characters and the line ends: no C0, DEL, C1, bidi, line separator, format character. */
    private static void assertPrintable(String output) {
        for (String line : output.split("\n", -1)) {
            line.codePoints()
                    .forEach(c -> assertTrue(
                            !Character.isISOControl(c)
                                    && Character.getType(c) != Character.FORMAT
                                    && Character.getType(c) != Character.LINE_SEPARATOR
                                    && Character.getType(c) != Character.PARAGRAPH_SEPARATOR,
                            "raw U+" + Integer.toHexString(c) + " in: " + line));
        }
    }

    @Test
    void policyTestTextShowsCaseNamesAndPathsEscaped() throws Exception {
        CliRun r = CliRun.of("test", tests().toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertPrintable(r.out());
        assertPrintable(r.err());
        assertTrue(
                r.out().contains("FAIL fails\\x1b[2J\\x1b]8;;javascript:alert(1)\\x1b\\\\x\\u202eevil\\x9b2J\\u2028"),
                r.out());
        assertEquals(3, r.out().lines().count(), "two cases and the summary, one line each:\n" + r.out());
    }

    @Test
    void policyTestJunitIsWellFormedXmlWithTheNamesEscaped() throws Exception {
        CliRun r = CliRun.of("test", "--format", "junit", tests().toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertPrintable(r.out());
        var doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
        String name = doc.getElementsByTagName("testcase")
                .item(0)
                .getAttributes()
                .getNamedItem("name")
                .getNodeValue();
        assertTrue(name.startsWith("fails\\x1b[2J"), name);
    }

    @Test
    void policyTestJsonKeepsTheValuesButPrintsNoRawControl() throws Exception {
        CliRun r = CliRun.of("test", "--format", "json", tests().toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertPrintable(r.out());
        String name = new ObjectMapper()
                .readTree(r.out())
                .get("cases")
                .get(0)
                .get("name")
                .asText();
        assertEquals("fails\u001b[2J\u001b]8;;javascript:alert(1)\u001b\\x\u202eevil\u009b2J\u2028", name);
    }

    @Test
    void policyCheckShowsTheImageAndDirectoriesEscaped() throws Exception {
        CliRun r = CliRun.of("check", policy().toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertPrintable(r.out());
        assertTrue(r.out().contains("image img\\x1b[2J"), r.out());
        assertTrue(r.out().contains("/nonexistent/p9gate-\\x1b[2J"), r.out());
    }

    @Test
    void policyExplainShowsThePathEscaped() throws Exception {
        CliRun r = CliRun.of(
                "explain", policy().toString(), "--vm", "vm1", "--op", "OPEN_WRITE", "--path", "/maps\u001b[2J/x");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertPrintable(r.out());
        assertTrue(r.out().contains("/maps\\x1b[2J/x"), r.out());
    }

    /** Before, the whole text was escaped line by line: a newline in --path split the "request:" line in two. */
    @Test
    void policyExplainKeepsAPathWithANewlineOnItsLine() throws Exception {
        CliRun r = CliRun.of("explain", policy().toString(), "--vm", "vm1", "--op", "OPEN_WRITE", "--path", "/a\nb");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertPrintable(r.out());
        String request = r.out()
                .lines()
                .filter(l -> l.startsWith("request:"))
                .findFirst()
                .orElseThrow();
        assertTrue(request.contains("/a\\nb (uid "), r.out());
        assertTrue(r.out().lines().allMatch(l -> l.matches("(request|ids|decision|rules?): .*")), r.out());
    }
}
