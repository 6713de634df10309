package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-POL-8 tooling: exit codes, one-line errors, mismatches reported, lint findings. */
class PolicyCommandTest {

    @TempDir
    Path dir;

    private Path policy(String shareBody) throws Exception {
        String text = """
                image: t
                vms:
                  vm1:
                    listen: unix:/run/p9gate/vm1.sock
                    shares:
                      data:
                """
                + shareBody
                        .stripIndent()
                        .lines()
                        .map(l -> "        " + l + "\n")
                        .reduce("", String::concat);
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, text);
        return p;
    }

    private static final String SHARE = """
            path: /srv/p9gate/data
            access: read-write
            read-only: [/maps]
            hidden: [/maps/secret]
            """;

    /**
     * A mistyped --vm is named with the VMs there are. Before: "--share is needed: VM 'vm2' is not in the policy",
     * which sent the operator to look for a share.
     */
    @Test
    void explainOfAVmNotInThePolicyNamesTheVmsThereAre() throws Exception {
        CliRun r =
                CliRun.of("explain", policy(SHARE).toString(), "--vm", "vm2", "--op", "OPEN_READ", "--path", "/maps/a");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("VM 'vm2' is not in the policy (VMs: vm1)"), r.err());
        assertTrue(!r.err().contains("--share is needed"), r.err());
    }

    @Test
    void explainNamesDecisionAndRuleWithItsLine() throws Exception {
        CliRun r = CliRun.of(
                "explain", policy(SHARE).toString(), "--vm", "vm1", "--op", "OPEN_WRITE", "--path", "/maps/a");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("decision: deny EROFS"), r.out());
        assertTrue(
                r.out()
                        .contains("rule:     vm.vm1.share.data.read-only[0]  ("
                                + dir.resolve("p.yaml").toAbsolutePath() + ":9:"),
                r.out());
    }

    /**
     * A directory's rename is decided as one (it takes what is below it along): explain asks it so with
     * {@code --directory}, as the gateway does, and shows the rule a file's rename of the same paths does not meet.
     */
    @Test
    void explainAsksADirectorysRenameAsOne() throws Exception {
        Path p = policy("""
                path: /srv/p9gate/data
                access: read-write
                rules:
                  - {id: no-scripts, effect: deny, ops: [OPEN_WRITE], paths: ["/cache/**/*.sh"]}
                """);
        List<String> rename =
                List.of("explain", p.toString(), "--vm", "vm1", "--op", "RENAME", "--path", "/cache/d", "--dest", "/d");
        CliRun file = CliRun.of(rename.toArray(String[]::new));
        assertEquals(0, file.exit(), file.err());
        assertTrue(file.out().contains("decision: allow"), file.out());
        List<String> asDirectory = new java.util.ArrayList<>(rename);
        asDirectory.add("--directory");
        CliRun dirRename = CliRun.of(asDirectory.toArray(String[]::new));
        assertEquals(0, dirRename.exit(), dirRename.err());
        assertTrue(dirRename.out().contains("RENAME /cache/d -> /d (a directory)"), dirRename.out());
        assertTrue(dirRename.out().contains("decision: deny EACCES"), dirRename.out());
        assertTrue(dirRename.out().contains("rule:     vm.vm1.share.data.rules.no-scripts"), dirRename.out());
        CliRun notARename = CliRun.of(
                "explain", p.toString(), "--vm", "vm1", "--op", "REMOVE", "--path", "/cache/d", "--directory");
        assertEquals(2, notARename.exit(), notARename.out());
        assertEquals(1, notARename.err().strip().lines().count(), notARename.err());
    }

    /** Issue 13: explain as JSON, with the host ids the request acts as (the map of its VM). */
    @Test
    void explainAsJsonShowsTheMappedHostIds() throws Exception {
        String text = Files.readString(policy(SHARE)).replace("    shares:\n", """
                    ids:
                      uid: {ranges: [{guest: 0, host: 200000, count: 65536}]}
                      gid: {squash: 300}
                    shares:
                """);
        Path p = Files.writeString(dir.resolve("ids.yaml"), text);
        CliRun r = CliRun.of(
                "explain",
                p.toString(),
                "--vm",
                "vm1",
                "--op",
                "OPEN_WRITE",
                "--path",
                "/maps/a",
                "--uid",
                "1000",
                "--gid",
                "7",
                "--format",
                "json");
        assertEquals(0, r.exit(), r.err());
        com.fasterxml.jackson.databind.JsonNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertEquals(201000, json.at("/hostIds/uid").asLong(), r.out());
        assertEquals(300, json.at("/hostIds/gid").asLong(), r.out());
        assertEquals("deny", json.get("decision").asText());
        assertEquals("EROFS", json.get("errno").asText());
        assertEquals("/maps/a", json.at("/request/path").asText());
        assertEquals("vm.vm1.share.data.read-only[0]", json.at("/rules/0/id").asText());
        assertEquals(p.toAbsolutePath().toString(), json.at("/rules/0/file").asText());
        assertEquals(12, json.at("/rules/0/line").asInt(), r.out());
        CliRun text1 = CliRun.of(
                "explain",
                p.toString(),
                "--vm",
                "vm1",
                "--op",
                "OPEN_WRITE",
                "--path",
                "/maps/a",
                "--uid",
                "1000",
                "--gid",
                "7");
        assertTrue(
                text1.out().contains("ids:      guest uid 1000 -> host uid 201000, guest gid 7 -> host gid 300"),
                text1.out());
    }

    /**
     * The packaged unit has ProtectHome=yes and PrivateTmp=yes: a share under /home is out of the service's reach
     * (serve exits 75 at every start). {@code package} warned of it, {@code policy check} said ok without a word:
     * the operator checking a policy before packaging did not learn it.
     */
    @Test
    void checkWarnsOfAShareTheUnitsSandboxHides() throws Exception {
        Path policy = policy("""
                path: /home/x
                access: read-only
                """);
        CliRun r = CliRun.of("check", policy.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> warnings = r.out()
                .lines()
                .filter(l -> l.contains("hidden from the service"))
                .toList();
        assertEquals(
                List.of(policy + ":7:9: warning: VM 'vm1' share 'data' path /home/x is hidden from the service by the"
                        + " packaged unit's ProtectHome=yes, which makes /home, /root and /run/user inaccessible to it (a share"
                        + " or the audit log there is missing to serve, which exits 75 at every start; a socket is"
                        + " where the VM's hypervisor cannot connect): put it elsewhere, e.g. under /srv, /var/lib or"
                        + " /run"),
                warnings,
                r.out());
    }

    /**
     * The sandbox hides a directory by where it is, not by how the policy spells it: /var/run is /run (FHS), so
     * /var/run/user/1000 is ProtectHome's /run/user/1000; a '..' or a symlink on this host leading under /tmp is
     * PrivateTmp's. Compared as written, each said ok.
     */
    @Test
    void checkWarnsOfAShareTheSandboxHidesHoweverItIsSpelled() throws Exception {
        Path link = Files.createTempDirectory(Path.of("/dev/shm"), "p9gate-sandbox-")
                .resolve("to-tmp");
        Path hidden = Files.createTempDirectory(Path.of("/tmp"), "p9gate-hidden-");
        try {
            Files.createSymbolicLink(link, hidden);
            List<String> unwarned = new ArrayList<>();
            for (String path : List.of("/var/run/user/1000/x", "/srv/../tmp/x", link.toString())) {
                CliRun r = CliRun.of(
                        "check",
                        policy("path: " + path + "\naccess: read-only\n").toString());
                assertEquals(0, r.exit(), r.out() + r.err());
                if (r.out().lines().noneMatch(l -> l.contains("hidden from the service"))) {
                    unwarned.add(path);
                }
            }
            assertEquals(List.of(), unwarned);
            CliRun viaLink = CliRun.of(
                    "check", policy("path: " + link + "\naccess: read-only\n").toString());
            assertTrue(
                    viaLink.out()
                            .contains("path " + link + " (it is " + hidden + " on this host) is hidden from the"
                                    + " service by the packaged unit's PrivateTmp=yes"),
                    viaLink.out());
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(link.getParent());
            Files.deleteIfExists(hidden);
        }
    }

    /**
     * A share that is a symlink to a directory not made yet (the operator's provisioning creates it later) is where
     * that link points: /srv/x -> /tmp/x (missing) is in the service's empty /tmp. Its prefix resolved only as far as
     * it existed, the dangling link was taken as the place itself and check said only "does not exist".
     */
    @Test
    void checkWarnsOfAShareWhoseDanglingSymlinkPointsIntoTheHiddenTmp() throws Exception {
        Path base = Files.createTempDirectory(Path.of("/dev/shm"), "p9gate-sandbox-");
        Path missing = Path.of("/tmp").resolve(base.getFileName() + "-not-yet");
        Path link = Files.createSymbolicLink(base.resolve("to-tmp"), missing);
        Path chain = Files.createSymbolicLink(base.resolve("to-link"), link);
        try {
            for (String share : List.of(link.toString(), chain.toString(), chain + "/sub")) {
                CliRun r = CliRun.of(
                        "check",
                        policy("path: " + share + "\naccess: read-only\n").toString());
                String at = share.endsWith("/sub") ? missing + "/sub" : missing.toString();
                assertTrue(
                        r.out()
                                .contains("path " + share + " (it is " + at + " on this host) is hidden from the"
                                        + " service by the packaged unit's PrivateTmp=yes"),
                        share + ": " + r.out() + r.err());
            }
        } finally {
            Files.deleteIfExists(chain);
            Files.deleteIfExists(link);
            Files.deleteIfExists(base);
        }
    }

    /**
     * A socket path is bound as written, so the kernel resolves a symlink before a ".." in it: unix:LINK/../vm.sock
     * with LINK -> /tmp/x is /tmp/vm.sock, in the service's empty /tmp. Normalised before it was resolved, the ".."
     * took the link away and check said nothing.
     */
    @Test
    void checkWarnsOfASocketASymlinkAndDotDotPutInTheHiddenTmp() throws Exception {
        Path base = Files.createTempDirectory(Path.of("/dev/shm"), "p9gate-sandbox-");
        Path hidden = Files.createTempDirectory(Path.of("/tmp"), "p9gate-hidden-");
        Path link = Files.createSymbolicLink(base.resolve("to-tmp"), hidden);
        try {
            Path p = Files.writeString(dir.resolve("p.yaml"), """
                    image: t
                    vms:
                      vm1:
                        listen: unix:%s/../vm.sock
                        shares:
                          data: {path: /srv/p9gate/data, access: read-only}
                    """.formatted(link));

            CliRun r = CliRun.of("check", p.toString());

            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(
                    r.out()
                            .contains("socket " + link + "/../vm.sock (it is /tmp/vm.sock on this host) is hidden from"
                                    + " the service by the packaged unit's PrivateTmp=yes"),
                    r.out());
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(base);
            Files.deleteIfExists(hidden);
        }
    }

    /** The one error line of {@code check} on this share body. */
    private String checkError(String shareBody) throws Exception {
        CliRun r = CliRun.of("check", policy(shareBody).toString());
        assertEquals(1, r.exit(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        return r.err().strip();
    }

    /** Issue 13: a '..' in a flow list is reported at its own column, with a hint, not at the list's. */
    @Test
    void aDotDotPathGetsItsOwnColumnAndAHint() throws Exception {
        String err = checkError("path: /srv/p9gate/data\nhidden: [/maps, /a/../b]\n");
        // line 8 is "        hidden: [/maps, /a/../b]"; /a/../b starts at column 25
        assertTrue(err.contains("p.yaml:8:25: "), err);
        assertTrue(err.contains("'..'") && err.contains("hint:"), err);
    }

    /** Issue 13: an unclosed '[' is reported where it opens, not on the line after. */
    @Test
    void anUnclosedBracketIsReportedWhereItOpens() throws Exception {
        String err = checkError("path: /srv/p9gate/data\nhidden: [/maps, /cal\naccess: read-only\n");
        assertTrue(err.contains("p.yaml:8:17: "), err);
        assertTrue(err.contains("'['"), err);
    }

    /** Issue 13: overlapping uid ranges name the ids they share, not the ranges' indices. */
    @Test
    void overlappingUidRangesNameTheIds() throws Exception {
        String text = Files.readString(policy(SHARE)).replace("    shares:\n", """
                    ids:
                      uid:
                        ranges:
                          - {guest: 0, host: 200000, count: 1000}
                          - {guest: 500, host: 300000, count: 10}
                    shares:
                """);
        CliRun r = CliRun.of(
                "check", Files.writeString(dir.resolve("ids.yaml"), text).toString());
        assertEquals(1, r.exit());
        String err = r.err().strip();
        assertTrue(err.contains("ids.yaml:9:13: "), err);
        assertTrue(err.contains("guest ids 500..509"), err);
        assertTrue(err.contains("line 8"), err);
        assertFalse(err.contains("ranges 0 and 1"), err);
    }

    @Test
    void explainOfDefaultDenySaysSo() throws Exception {
        CliRun r = CliRun.of(
                "explain", policy("path: /srv/p9gate/data").toString(), "--vm", "vm1", "--op", "walk", "--path", "/");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("decision: deny EACCES"), r.out());
        assertTrue(r.out().contains("default deny"), r.out());
    }

    @Test
    void checkReportsLoadErrorsOnOneLineWithPosition() throws Exception {
        CliRun r = CliRun.of(
                "check", policy("path: /srv/p9gate/data\naccess: maybe\n").toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err()
                        .startsWith("p9gate policy check: error: "
                                + dir.resolve("p.yaml").toAbsolutePath() + ":8:17: access must be"),
                r.err());
    }

    @Test
    void checkLintsHiddenInsideReadOnlyAndShadowedRules() throws Exception {
        CliRun r = CliRun.of(
                "check",
                policy(SHARE + "rules:\n  - {effect: allow, ops: [CREATE], paths: [/maps/secret/x]}\n")
                        .toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("hidden[0] /maps/secret lies inside read-only /maps"), r.out());
        assertTrue(r.out().contains("rules[0] path /maps/secret/x lies inside hidden /maps/secret"), r.out());
        CliRun strict = CliRun.of("check", "--strict", dir.resolve("p.yaml").toString());
        assertEquals(1, strict.exit());
        // the summary must not say ok when --strict fails on the warnings
        assertTrue(strict.out().contains(": fails --strict: image "), strict.out());
        assertTrue(r.out().contains(": ok: image "), r.out());
    }

    /**
     * Issue 13: a hand-written {@code permit (principal, action, resource);} opens every share of every VM to every
     * operation, an {@code access: none} share to writes included; check must say so, and --strict fail on it.
     */
    @Test
    void checkLintsAnUnconditionalHandWrittenPermit() throws Exception {
        Files.writeString(dir.resolve("open.cedar"), """
                // the cache may be written by uid 1000 (a permit with a condition: reported as wider, not as unconditional)
                @id("cache-writer")
                permit (principal, action, resource) when { context.uid == 1000 };

                @id("oops") permit (
                    principal,
                    action,
                    resource
                );
                """);
        String text = "cedar: [open.cedar]\n" + Files.readString(policy("path: /srv/p9gate/data\naccess: none\n"));
        Path p = Files.writeString(dir.resolve("open.yaml"), text);
        CliRun r = CliRun.of("check", p.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> warnings =
                r.out().lines().filter(l -> l.contains("unconditional permit")).toList();
        assertEquals(1, warnings.size(), r.out());
        assertTrue(
                warnings.getFirst().startsWith(dir.resolve("open.cedar").toAbsolutePath() + ":5:13: warning: "),
                warnings.getFirst());
        assertTrue(warnings.getFirst().contains("oops"), warnings.getFirst());
        assertEquals(1, CliRun.of("check", "--strict", p.toString()).exit());
    }

    /**
     * Issue 13: a hand-written permit with a condition is still wider than the YAML where its scope reaches what
     * the YAML does not grant (an {@code access: none} share beyond its allow rules); one inside a hidden subtree
     * can never allow anything. Permits within what the YAML grants are fine.
     */
    @Test
    void checkLintsConditionalPermitsWiderThanTheYaml() throws Exception {
        Files.writeString(dir.resolve("wide.cedar"), """
                @id("uid-1000-writes")
                permit (principal == P9gate::Vm::"vm1",
                        action in [P9gate::Action::"OPEN_READ", P9gate::Action::"CREATE"],
                        resource in P9gate::Directory::"vm1/data:/pub") when { context.uid == 1000 };
                @reviewed
                @id("always") permit (principal, action == P9gate::Action::"WALK", resource) when { true };
                @id("logs-reader")
                permit (principal, action, resource in P9gate::Share::"vm1/logs") when { context.uid == 0 };
                @id("secret") permit (principal, action == P9gate::Action::"OPEN_READ",
                        resource in P9gate::Directory::"vm1/logs:/secret/a") unless { context.uid == 0 };
                @id("pub-read") permit (principal == P9gate::Vm::"vm1", action == P9gate::Action::"OPEN_READ",
                        resource in P9gate::Directory::"vm1/data:/pub/x");
                """);
        String yaml = "cedar: [wide.cedar]\n" + Files.readString(policy("""
                path: /srv/p9gate/data
                access: none
                rules:
                  - {effect: allow, ops: [OPEN_READ, WALK], paths: [/pub/**]}
                """))
                + "      logs:\n        path: /srv/p9gate/logs\n        access: read-write\n        hidden: [/secret]\n";
        Path p = Files.writeString(dir.resolve("wide.yaml"), yaml);
        CliRun r = CliRun.of("check", p.toString());
        assertEquals(0, r.exit(), r.err());
        String cedar = dir.resolve("wide.cedar").toAbsolutePath().toString();
        List<String> warnings = r.out().lines().filter(l -> l.startsWith(cedar)).toList();
        assertEquals(3, warnings.size(), r.out());
        assertTrue(
                warnings.get(0)
                        .startsWith(cedar + ":2:1: warning: permit 'uid-1000-writes' allows CREATE in vm1/data:/pub"),
                warnings.get(0));
        assertTrue(warnings.get(0).contains("access: none") && !warnings.get(0).contains("OPEN_READ"), warnings.get(0));
        assertTrue(
                warnings.get(1).startsWith(cedar + ":6:15: warning: permit 'always' allows WALK in vm1/data"),
                warnings.get(1));
        assertTrue(
                warnings.get(2)
                        .startsWith(cedar + ":9:15: warning: permit 'secret' lies inside hidden /secret of vm1/logs"),
                warnings.get(2));
        assertEquals(1, CliRun.of("check", "--strict", p.toString()).exit());
    }

    @Test
    void checkLintsHostPathsAndPathsMissingFromAnExistingShare() throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Files.createDirectories(share.resolve("maps"));
        CliRun r = CliRun.of(
                "check",
                policy("path: " + share + "\naccess: read-write\nread-only: [/maps, /missing]\n" + "hidden: [" + share
                                + "/maps/x]\n")
                        .toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().contains("read-only[0] /maps: "), r.out());
        assertTrue(
                r.out()
                        .contains("read-only[1] /missing: " + share.resolve("missing")
                                + " does not exist in the share (yet)"),
                r.out());
        assertTrue(r.out().contains("hidden[0] " + share + "/maps/x repeats the host directory"), r.out());
    }

    @Test
    void testReportsEveryMismatchAndFails() throws Exception {
        policy(SHARE);
        Path tests = dir.resolve("p.tests.yaml");
        Files.writeString(tests, """
                policy: p.yaml
                cases:
                  - {name: ok, vm: vm1, share: data, op: OPEN_READ, path: /a, expect: allow}
                  - {name: wrong errno, vm: vm1, share: data, op: OPEN_WRITE, path: /maps/a, expect: EACCES}
                  - {name: wrong outcome, vm: vm1, share: data, op: WALK, path: /maps/secret, expect: allow}
                """);
        CliRun r = CliRun.of("test", tests.toString());
        assertEquals(1, r.exit());
        assertTrue(
                r.out()
                        .contains(
                                ":4:5: FAIL wrong errno: expected EACCES, got EROFS by vm.vm1.share.data.read-only[0]"),
                r.out());
        assertTrue(r.out().contains(":5:5: FAIL wrong outcome: expected allow, got ENOENT"), r.out());
        assertFalse(r.out().contains("FAIL ok"), r.out());
        assertTrue(r.out().contains("3 cases, 1 passed, 2 failed"), r.out());
    }

    @Test
    void badUsageIsOneLineAndExitTwo() {
        for (String[] args : new String[][] {
            {"explain", "x.yaml", "--vm", "v", "--op", "READ", "--path", "/"}, {"check"}, {"check", "--bogus", "x"}, {}
        }) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.exit(), String.join(" ", args));
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().matches("(?s)p9gate policy( [a-z]+)?: error: .*"), r.err());
        }
    }

    @Test
    void missingFileIsOneLine() {
        CliRun r = CliRun.of("check", dir.resolve("none.yaml").toString());
        assertEquals(2, r.exit());
        assertEquals(
                "p9gate policy check: error: " + dir.resolve("none.yaml").toAbsolutePath()
                        + ": no such file or directory",
                r.err().strip());
    }

    /**
     * A binary file (an image, a file saved as UTF-16) given as a policy was "cannot read: Input length = 1", and a
     * missing one to fmt "cannot read: FILE": the reason must be said in words.
     */
    @Test
    void aBinaryOrMissingFileIsSaidInWords() throws Exception {
        Path binary = Files.write(dir.resolve("blob.yaml"), new byte[] {(byte) 0xff, (byte) 0xfe, 'a', ':', ' ', '1'});
        for (String command : List.of("check", "test")) {
            CliRun r = CliRun.of(command, binary.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains(binary + ":1:1: not UTF-8 text (byte 0xff)"), command + ": " + r.err());
        }
        CliRun fmt = CliRun.of("fmt", binary.toString());
        assertEquals(1, fmt.exit(), fmt.err());
        assertTrue(fmt.err().contains(binary + ": not UTF-8 text (byte 0xff at line 1, column 1)"), fmt.err());
        CliRun missing = CliRun.of("fmt", dir.resolve("missing.yaml").toString());
        assertEquals(2, missing.exit(), missing.err());
        assertTrue(missing.err().endsWith("missing.yaml: no such file or directory\n"), missing.err());
    }

    /** A NUL or a byte that is not UTF-8 on line 2 was reported at 1:1 (or with no place at all). */
    @Test
    void aBadByteIsReportedWhereItIs() throws Exception {
        Path nul = Files.write(dir.resolve("nul.yaml"), "vms:\n  a\0b: 1\n".getBytes(StandardCharsets.UTF_8));
        Path control =
                Files.write(dir.resolve("ctl.yaml"), "vms:\n  \u00e9\u0001: 1\n".getBytes(StandardCharsets.UTF_8));
        byte[] latin1 = {'v', 'm', 's', ':', '\n', ' ', ' ', (byte) 0xc3, (byte) 0xa9, 'b', (byte) 0xe9, ':', ' ', '1'};
        Path notUtf8 = Files.write(dir.resolve("latin1.yaml"), latin1);
        for (String command : List.of("check", "test")) {
            CliRun r = CliRun.of(command, nul.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains(nul + ":2:4: "), command + ": " + r.err());
            assertTrue(r.err().contains("U+0000"), command + ": " + r.err());
            CliRun c = CliRun.of(command, control.toString());
            assertTrue(c.err().contains(control + ":2:4: "), command + ": " + c.err());
            CliRun u = CliRun.of(command, notUtf8.toString());
            assertEquals(1, u.exit(), u.err());
            assertTrue(u.err().contains(notUtf8 + ":2:5: not UTF-8 text (byte 0xe9)"), command + ": " + u.err());
        }
    }
}
