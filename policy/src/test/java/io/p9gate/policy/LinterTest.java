package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.lint.LintFinding;
import io.p9gate.policy.lint.Linter;
import io.p9gate.policy.load.PolicyParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-POL-8 lint: each finding names the rule and its line; a clean share gives only the host-dir warning. */
class LinterTest {

    @TempDir
    Path dir;

    private List<String> lint(String share) throws Exception {
        return Linter.lint(PolicyParser.parse(PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare(share)))).stream()
                .map(LintFinding::toString)
                .filter(f -> !f.contains("does not exist on this host"))
                .toList();
    }

    private static void assertHas(List<String> findings, String text) {
        assertTrue(
                findings.stream().anyMatch(f -> f.contains(text)),
                () -> "no finding with '" + text + "' in " + findings);
    }

    @Test
    void cleanShareHasNoFindings() throws Exception {
        assertEquals(List.of(), lint("""
                path: /srv/p9gate/data
                access: read-only
                hidden: [/secret]
                """));
    }

    @Test
    void shadowedAndRedundantRulesAreReported() throws Exception {
        List<String> f = lint("""
                path: /srv/p9gate/data
                access: read-only
                read-only: [/maps, /maps/eu]
                rules:
                  - {effect: allow, ops: [CREATE], paths: ["/drop/**"]}
                  - {effect: allow, ops: [OPEN_READ], paths: ["/x"]}
                  - {effect: deny, ops: [OPEN_READ, WALK], paths: ["/x"]}
                quotas: [{path: /a, bytes: 1}]
                """);
        assertHas(f, "read-only[1] /maps/eu is already inside read-only /maps");
        assertHas(f, "rules[0] allows only writes on /drop/** inside the read-only share");
        assertHas(f, "rules[1] allows only reads, which access: read-only already allows");
        assertHas(f, "rules[2] conflicts with (deny wins) vm.vm1.share.data.rules[1] on /x");
    }

    @Test
    void quotaInsideHiddenAndShareWithNothingAllowedAreReported() throws Exception {
        List<String> f = lint("""
                path: /srv/p9gate/data
                hidden: [/h]
                quotas: [{path: /h/q, inodes: 5}]
                """);
        assertHas(f, "quotas[0] on /h/q lies inside hidden /h");
        assertHas(f, "has access none and no allow rule");
    }

    @Test
    void findingsCarryTheirLine() throws Exception {
        List<String> f = lint("""
                path: /srv/p9gate/data
                access: read-write
                rules:
                  - {effect: allow, ops: [read], paths: [/a]}
                """);
        assertEquals(1, f.size(), f.toString());
        assertTrue(f.getFirst().contains("p.yaml:13:"), f.getFirst());
        assertHas(f, "allows what access: read-write already allows");
    }

    /** Two VMs over one host directory: alpha hides /secret, beta's share is as given. */
    private List<String> lintShared(String betaShare) throws Exception {
        String policy = PolicyFiles.WITH_PROTECT + """
                  alpha:
                    listen: unix:/run/p9gate/alpha.sock
                    shares:
                      data:
                        path: /srv/p9gate/shared
                        access: read-only
                        hidden: [/secret]
                  beta:
                    listen: unix:/run/p9gate/beta.sock
                    shares:
                      work:
                """
                + betaShare
                        .stripIndent()
                        .lines()
                        .map(l -> "        " + l + "\n")
                        .reduce("", String::concat);
        return Linter.lint(PolicyParser.parse(PolicyFiles.write(dir, "shared.yaml", policy))).stream()
                .map(LintFinding::toString)
                .filter(f -> !f.contains("does not exist"))
                .toList();
    }

    @Test
    void aHiddenSubtreeAnotherVmMayChangeIsReported() throws Exception {
        List<String> f = lintShared("""
                path: /srv/p9gate
                access: read-write
                """);
        assertEquals(1, f.size(), f.toString());
        assertHas(
                f,
                "vm.alpha.share.data.hidden[0] /secret (/srv/p9gate/shared/secret) is hidden from VM 'alpha' only: VM"
                        + " 'beta' may change it through its share 'work' (/srv/p9gate)");
        assertEquals(List.of(), lintShared("""
                        path: /srv/p9gate
                        access: read-write
                        hidden: [/shared/secret]
                        """), "hidden there too");
        assertEquals(List.of(), lintShared("""
                        path: /srv/p9gate/shared
                        access: read-write
                        read-only: [/secret]
                        """), "read-only there: no rename out of it");
        assertEquals(List.of(), lintShared("""
                        path: /srv/p9gate/shared
                        access: read-only
                        """), "beta cannot change anything");
        assertEquals(
                List.of(),
                lintShared("""
                        path: /srv/p9gate/shared/secret/inbox
                        access: read-write
                        """),
                "beta works inside the hidden place only, and cannot move anything out of it");
    }

    /** Before: "directory FILE does not exist on this host", of a file that exists, sending the operator to mkdir. */
    @Test
    void aSharePathThatIsAFileIsSaidToBeOne() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("data"), "not a directory");
        List<String> all = Linter.lint(PolicyParser.parse(PolicyFiles.write(
                        dir, "p.yaml", PolicyFiles.oneShare("path: " + file + "\naccess: read-only\n"))))
                .stream()
                .map(LintFinding::toString)
                .toList();
        assertHas(all, "share 'data': " + file + " is not a directory but a file");
        assertTrue(all.stream().noneMatch(f -> f.contains("does not exist")), all::toString);
    }

    /**
     * Before: "ok, 0 warnings", and serve then refused the file ("VM 'vm1' socket: no user 'nosuchuser' on this
     * host", exit 2). Said as a missing share directory is: about this host, at the name to correct (before, every
     * such finding was placed at the VM's first key, 4:5).
     */
    @Test
    void aSocketOwnerOrPeerUnknownOnThisHostIsWarnedOf() throws Exception {
        List<LintFinding> findings = Linter.lint(PolicyParser.parse(PolicyFiles.write(
                dir,
                "p.yaml",
                PolicyFiles.oneVmWith(
                        "socket: {owner: nosuchuser-p9gate, group: root, mode: \"0660\"}\n    peer: {gid: nosuchgroup-p9gate}\n"
                                + "    shares: {data: {path: " + dir + ", access: read-only}}"))));
        List<String> all = findings.stream().map(LintFinding::toString).toList();
        assertHas(all, "p.yaml:5:21: warning: VM 'vm1' socket: owner: no user 'nosuchuser-p9gate' on this host");
        assertHas(all, "p.yaml:6:17: warning: VM 'vm1' peer: gid: no group 'nosuchgroup-p9gate' on this host");
        assertEquals(2, all.size(), all::toString);
        assertTrue(findings.stream().allMatch(LintFinding::aboutThisHost), all::toString);
    }

    /**
     * Before: "ok, 0 warnings" for two VMs whose socket paths lead through a link into one directory, and serve
     * then refused the second ("another process is listening on it"). About this host: the ECU's links may differ.
     */
    @Test
    void twoVmsWhoseSocketsAreOneFileHereAreWarnedOf() throws Exception {
        Path sockets = Files.createDirectories(dir.resolve("sockets"));
        Files.createSymbolicLink(dir.resolve("link"), sockets);
        Files.createDirectories(dir.resolve("share"));
        List<LintFinding> findings =
                Linter.lint(PolicyParser.parse(PolicyFiles.write(dir, "p.yaml", """
                image: t
                vms:
                  a:
                    listen: unix:%s/sockets/vm.sock
                    shares: {s: {path: %s/share, access: read-only}}
                  b:
                    listen: unix:%s/link/vm.sock
                    shares: {s: {path: %s/share, access: read-only}}
                """.formatted(dir, dir, dir, dir))));
        List<String> all = findings.stream().map(LintFinding::toString).toList();
        assertHas(
                all,
                "p.yaml:7:5: warning: VM 'b' listens on unix:" + dir + "/link/vm.sock, which is on this host the"
                        + " socket of VM 'a' (unix:" + dir + "/sockets/vm.sock)");
        assertTrue(findings.stream().allMatch(LintFinding::aboutThisHost), all::toString);
    }

    /** Before: "ok, 0 VMs, 0 warnings", even with --strict, and serve then refused it: nothing to listen for. */
    @Test
    void aPolicyWithoutVmsIsWarnedOf() throws Exception {
        List<String> all =
                Linter.lint(PolicyParser.parse(PolicyFiles.write(dir, "p.yaml", "image: t\nvms: {}\n"))).stream()
                        .map(LintFinding::toString)
                        .toList();
        assertHas(all, "p.yaml:1:1: warning: the policy names no VM: serve refuses to start with it");
    }
}
