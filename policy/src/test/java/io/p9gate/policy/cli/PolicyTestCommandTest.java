package io.p9gate.policy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code policy test} (R-POL-8, issue 10): a case naming a VM, share or path the policy does not have is an
 * error, not a silent pass of its deny; --verbose and --format junit|json; cases on the uid/gid map and on
 * quota limits.
 */
class PolicyTestCommandTest {
    @TempDir
    Path dir;

    @BeforeEach
    void policy() throws Exception {
        Files.writeString(dir.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: unix:/run/p9gate/vm1.sock
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {squash: 3000}
                    shares:
                      data:
                        path: /srv/p9gate/data
                        access: read-write
                        read-only: [/maps]
                        quotas:
                          - {bytes: 1GiB, inodes: 1000}
                          - {path: /cache, bytes: 64MiB}
                """);
    }

    private CliRun test(String cases, String... options) throws Exception {
        Path tests = Files.writeString(dir.resolve("p.tests.yaml"), "policy: p.yaml\n" + cases);
        String[] args = new String[options.length + 2];
        args[0] = "test";
        System.arraycopy(options, 0, args, 1, options.length);
        args[args.length - 1] = tests.toString();
        return CliRun.of(args);
    }

    @Test
    void aCaseNamingAnUnknownVmIsAnErrorNotAPassingDeny() throws Exception {
        CliRun r = test("""
                cases:
                  - {name: ghost, vm: nope, share: data, op: WALK, path: /, expect: EACCES}
                """);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(":3:5: error: ghost: VM 'nope' is not in the policy (VMs: vm1)"), r.out());
        assertTrue(r.out().contains("1 cases, 0 passed, 0 failed, 1 errors"), r.out());
    }

    @Test
    void aCaseNamingAnUnknownShareIsAnError() throws Exception {
        CliRun r = test("""
                cases:
                  - {name: other share, vm: vm1, share: other, op: WALK, path: /, expect: deny}
                """);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("error: other share: VM 'vm1' has no share 'other' (shares: data)"), r.out());
    }

    @Test
    void withoutShareAPathIsAHostPathAndOneOutsideEveryShareIsAnError() throws Exception {
        CliRun r = test("""
                cases:
                  - {name: host path, vm: vm1, op: OPEN_WRITE, path: /srv/p9gate/data/maps/a, expect: EROFS}
                  - {name: rename by host paths, vm: vm1, op: RENAME, path: /srv/p9gate/data/a, dest: /srv/p9gate/data/maps/a, expect: EROFS}
                  - {name: outside, vm: vm1, op: OPEN_READ, path: /etc/passwd, expect: deny}
                  - {name: prefix only, vm: vm1, op: OPEN_READ, path: /srv/p9gate/database/x, expect: deny}
                """);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertFalse(r.out().contains("host path:"), r.out());
        assertFalse(r.out().contains("rename by host paths:"), r.out());
        assertTrue(r.out().contains("error: outside: /etc/passwd lies outside every share of VM 'vm1'"), r.out());
        assertTrue(r.out().contains("error: prefix only: /srv/p9gate/database/x lies outside every share"), r.out());
        assertTrue(r.out().contains("4 cases, 2 passed, 0 failed, 2 errors"), r.out());
    }

    /** A case may ask about a directory's rename ({@code directory: true}), as the gateway asks when it moves one. */
    @Test
    void aCaseMayAskADirectorysRename() throws Exception {
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, Files.readString(p).replace("        read-only: [/maps]\n", """
                        read-only: [/maps]
                        rules:
                          - {id: no-scripts, effect: deny, ops: [OPEN_WRITE], paths: ["/logs/**/*.sh"]}
                """));
        CliRun r = test("""
                cases:
                  - {name: file, vm: vm1, share: data, op: RENAME, path: /logs/d, dest: /d, expect: allow}
                  - {name: dir, vm: vm1, share: data, op: RENAME, path: /logs/d, dest: /d, directory: true, expect: EACCES, by: vm.vm1.share.data.rules.no-scripts}
                  - {name: kept, vm: vm1, share: data, op: RENAME, path: /logs/d, dest: /logs/e, directory: true, expect: allow}
                """, "--verbose");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("PASS dir: RENAME vm1/data:/logs/d -> /d (a directory) -> EACCES"), r.out());
        assertTrue(r.out().contains("3 cases, 3 passed, 0 failed"), r.out());
        CliRun bad = test("""
                cases:
                  - {name: not a rename, vm: vm1, share: data, op: REMOVE, path: /logs/d, directory: true, expect: allow}
                """);
        assertEquals(1, bad.exit(), bad.out() + bad.err());
        assertTrue(
                (bad.out() + bad.err()).contains("directory: true applies to RENAME only, not REMOVE"),
                bad.out() + bad.err());
    }

    @Test
    void idCasesAssertTheMapBothWays() throws Exception {
        CliRun r = test("""
                ids:
                  - {name: root is 100000, vm: vm1, guest-uid: 0, expect: 100000}
                  - {name: host root is overflow, vm: vm1, host-uid: 0, expect: 4294967294}
                  - {name: groups squashed, vm: vm1, guest-gid: 1234, expect: 3000}
                  - {name: wrong, vm: vm1, guest-uid: 1, expect: 1}
                  - {name: unknown vm, vm: nope, guest-uid: 0, expect: 0}
                """);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(":6:5: FAIL wrong: guest uid 1 maps to host uid 100001, not 1"), r.out());
        assertTrue(r.out().contains(":7:5: error: unknown vm: VM 'nope' is not in the policy"), r.out());
        assertTrue(r.out().contains("5 cases, 3 passed, 1 failed, 1 errors"), r.out());
    }

    @Test
    void quotaCasesAssertTheLimitsThatApplyAtAPath() throws Exception {
        CliRun r = test("""
                quotas:
                  - {name: share wide, vm: vm1, share: data, path: /a, bytes: 1GiB, inodes: 1000}
                  - {name: cache is tighter, vm: vm1, share: data, path: /cache/x, bytes: 64MiB, inodes: 1000}
                  - {name: wrong, vm: vm1, share: data, path: /cache/x, bytes: 2GiB}
                  - {name: unknown share, vm: vm1, share: nope, path: /, inodes: unlimited}
                """);
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(
                r.out().contains(":5:5: FAIL wrong: at /cache/x the byte limit is 67108864, not 2147483648"), r.out());
        assertTrue(r.out().contains("error: unknown share: VM 'vm1' has no share 'nope'"), r.out());
        assertTrue(r.out().contains("4 cases, 2 passed, 1 failed, 1 errors"), r.out());
    }

    @Test
    void verboseShowsEveryCaseWithItsDecision() throws Exception {
        CliRun r = test("""
                cases:
                  - {name: maps read-only, vm: vm1, share: data, op: OPEN_WRITE, path: /maps/a, expect: EROFS}
                """, "--verbose");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(
                r.out()
                        .contains(":3:5: PASS maps read-only: OPEN_WRITE vm1/data:/maps/a -> EROFS by "
                                + "vm.vm1.share.data.read-only[0]"),
                r.out());
    }

    @Test
    void junitFormatHasOneTestcasePerCaseWithFailuresAndErrors() throws Exception {
        CliRun r = test("""
                cases:
                  - {name: ok, vm: vm1, share: data, op: OPEN_READ, path: /a, expect: allow}
                  - {name: wrong, vm: vm1, share: data, op: OPEN_WRITE, path: /maps/a, expect: allow}
                ids:
                  - {name: ghost, vm: nope, guest-uid: 0, expect: 0}
                """, "--format", "junit");
        assertEquals(1, r.exit(), r.out() + r.err());
        Document xml = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
        assertEquals(3, xml.getElementsByTagName("testcase").getLength());
        assertEquals(1, xml.getElementsByTagName("failure").getLength());
        assertEquals(1, xml.getElementsByTagName("error").getLength());
        assertEquals("3", xml.getDocumentElement().getAttribute("tests"));
    }

    @Test
    void jsonFormatListsEveryCaseWithItsStatus() throws Exception {
        CliRun r = test("""
                cases:
                  - {name: ok, vm: vm1, share: data, op: OPEN_READ, path: /a, expect: allow}
                quotas:
                  - {name: limits, vm: vm1, share: data, path: /a, inodes: 1000}
                """, "--format", "json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.get("summary").get("passed").asInt());
        assertEquals("passed", json.get("cases").get(1).get("status").asText());
        assertEquals("quota", json.get("cases").get(1).get("kind").asText());
    }

    @Test
    void anUnknownFormatIsBadUsage() throws Exception {
        CliRun r = test("cases:\n  - {vm: vm1, share: data, op: WALK, path: /, expect: allow}\n", "--format", "xml");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
    /**
     * The gateway asks every request but a create with guest gid 65534: 9P2000.L names a gid only in Tlcreate,
     * Tmkdir, Tsymlink and Tmknod, and a session's Tattach names none, so a guest root's walk is decided as gid
     * 65534, never 0. A case or an explain without a gid asks what the gateway asks: before, both asked gid 0, and a
     * hand-written rule on context.gid was reported to allow (deny) guest root's walks the gateway denies (allows).
     */
    @Test
    void withoutAGidACaseAndExplainAskAsTheGatewayDoes() throws Exception {
        Files.writeString(dir.resolve("g.cedar"), """
                @id("no-nobody-group") @errno("EACCES")
                forbid (principal, action, resource) when { context.gid == 65534 };
                """);
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, "cedar: [g.cedar]\n" + Files.readString(p));
        CliRun r = test("""
                cases:
                  - {name: root walks, vm: vm1, share: data, op: WALK, path: /a, uid: 0, expect: EACCES}
                  - {name: root lists, vm: vm1, share: data, op: READDIR, path: /a, uid: 0, expect: EACCES}
                  - {name: root creates as its group, vm: vm1, share: data, op: CREATE, path: /a, uid: 0, expect: allow}
                  - {name: a named gid is asked, vm: vm1, share: data, op: WALK, path: /a, gid: 0, expect: allow}
                """);
        assertEquals(0, r.exit(), r.out() + r.err());
        CliRun e =
                CliRun.of("explain", p.toString(), "--vm", "vm1", "--op", "WALK", "--path", "/a", "--format", "json");
        JsonNode json = new ObjectMapper().readTree(e.out());
        assertEquals(65534, json.at("/request/gid").asLong(), e.out());
        assertEquals("deny", json.at("/decision").asText(), e.out());
        CliRun create = CliRun.of("explain", p.toString(), "--vm", "vm1", "--op", "CREATE", "--path", "/a");
        assertTrue(create.out().contains("(uid 0, gid 0)"), create.out());
    }
}
