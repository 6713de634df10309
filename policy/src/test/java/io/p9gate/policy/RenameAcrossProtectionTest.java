package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renames of an ancestor of a protected scope, links onto denied names and links that widen a file's
 * rights (R-POL-3, R-POL-4): the security reviews' bypasses. Every refusal is checked on the fast path and on Cedar, which must agree.
 */
class RenameAcrossProtectionTest {

    private static final String SHARE = """
            path: /srv/p9gate/data
            access: read-write
            read-only: [/a/ro]
            hidden: [/data/secret]
            rules:
              - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE, RENAME], paths: ["/cache/**/*.sh"]}
            """;
    private static final String RO = "vm.vm1.share.data.read-only[0]";
    private static final String HIDDEN = "vm.vm1.share.data.hidden[0]";
    private static final String SCRIPTS = "vm.vm1.share.data.rules.no-scripts";

    @TempDir
    Path dir;

    private PolicyEngine engine() throws Exception {
        return PolicyEngine.load(PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare(SHARE)));
    }

    /** Decides on both evaluators, asserts they agree, returns the answer. */
    private static PolicyDecision both(PolicyEngine e, DecisionRequest r) {
        PolicyDecision fast = e.decide(r);
        assertEquals(e.decideWithCedar(r), fast, r::toString);
        return fast;
    }

    private static DecisionRequest rename(String from, String to) {
        return DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, from, to);
    }

    @Test
    void renamingTheDirectoryAboveAHiddenSubtreeIsRefused() throws Exception {
        PolicyEngine e = engine();
        assertEquals(PolicyDecision.deny("EACCES", List.of(HIDDEN)), both(e, rename("/data", "/d2")));
        assertEquals(PolicyDecision.deny("EACCES", List.of(HIDDEN)), both(e, rename("/d2", "/data")));
    }

    @Test
    void renamingAboveAReadOnlySubtreeIsRefusedAtSourceAndDestination() throws Exception {
        PolicyEngine e = engine();
        assertEquals(PolicyDecision.deny("EACCES", List.of(RO)), both(e, rename("/a", "/b")));
        assertEquals(PolicyDecision.deny("EACCES", List.of(RO)), both(e, rename("/prepared", "/a")));
    }

    @Test
    void renamingAboveADenyRulesFixedPrefixIsRefused() throws Exception {
        PolicyEngine e = engine();
        assertEquals(PolicyDecision.deny("EACCES", List.of(SCRIPTS)), both(e, rename("/cache", "/c2")));
        assertEquals(PolicyDecision.deny("EACCES", List.of(SCRIPTS)), both(e, rename("/c2", "/cache")));
    }

    @Test
    void bothSidesProtectedNamesEveryRule() throws Exception {
        assertEquals(PolicyDecision.deny("EACCES", List.of(HIDDEN, RO)), both(engine(), rename("/data", "/a")));
    }

    @Test
    void aHiddenSourceStillLooksAbsent() throws Exception {
        assertEquals("ENOENT", both(engine(), rename("/data/secret", "/x")).errno());
    }

    @Test
    void unrelatedRenamesAreStillAllowed() throws Exception {
        PolicyEngine e = engine();
        assertTrue(both(e, rename("/tmp/a", "/tmp/b")).allowed());
        assertTrue(both(e, rename("/data/other", "/d2")).allowed(), "a sibling of the hidden subtree");
        assertTrue(both(e, rename("/a/rw", "/a/rw2")).allowed(), "a sibling of the read-only subtree");
        assertTrue(both(e, rename("/cache/t.png", "/cache/u.png")).allowed(), "files below the glob's prefix");
    }

    @Test
    void linkOrSymlinkOntoADeniedNameIsRefusedAsCreate() throws Exception {
        PolicyEngine e = engine();
        assertEquals(
                PolicyDecision.deny("EACCES", List.of(SCRIPTS)),
                both(e, DecisionRequest.twoPath("vm1", "data", OpKind.LINK, "/cache/a.txt", "/cache/a.sh")));
        assertEquals(
                PolicyDecision.deny("EACCES", List.of(SCRIPTS)),
                both(e, DecisionRequest.of("vm1", "data", OpKind.SYMLINK, "/cache/b.sh")));
        assertTrue(both(e, DecisionRequest.twoPath("vm1", "data", OpKind.LINK, "/cache/a.txt", "/cache/b.txt"))
                .allowed());
        assertTrue(both(e, DecisionRequest.of("vm1", "data", OpKind.SYMLINK, "/cache/b.txt"))
                .allowed());
    }

    @Test
    void aLinkMayNotGiveAFileANameWithMoreRights() throws Exception {
        PolicyEngine e = engine();
        assertEquals(
                PolicyDecision.deny("EACCES", List.of(SCRIPTS)),
                both(e, link("/cache/run.sh", "/cache/run.txt")),
                "run.sh may not be written, run.txt could be");
        assertEquals(PolicyDecision.deny("EACCES", List.of(SCRIPTS)), both(e, link("/cache/run.sh", "/run.txt")));
        assertTrue(both(e, link("/cache/a.txt", "/cache/b.txt")).allowed());
        assertTrue(both(e, link("/a.txt", "/cache/b.txt")).allowed(), "a name with fewer rights is fine");
        assertEquals("EROFS", both(e, link("/a/ro/f", "/f")).errno(), "read-only refuses the link itself");
        assertEquals("ENOENT", both(e, link("/data/secret/f", "/f")).errno(), "hidden still looks absent");
    }

    @Test
    void aRenameMayNotCarryAFileOutOfARule() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(dir, "d.yaml", PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                access: read-write
                rules:
                  - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
                """)));
        String box = "vm.vm1.share.data.rules.drop-box";
        assertEquals(PolicyDecision.deny("EACCES", List.of(box)), both(e, rename("/drop/letter", "/letter")));
        assertEquals(PolicyDecision.deny("EACCES", List.of(box)), both(e, rename("/drop/sub", "/sub")), "a directory");
        assertTrue(both(e, rename("/report", "/drop/report")).allowed(), "into the box");
        assertTrue(both(e, rename("/drop/a", "/drop/b")).allowed(), "within the box");
    }

    @Test
    void aDirectoryMayNotBeMovedOutFromBelowAGlobsPrefix() throws Exception {
        PolicyEngine e = engine();
        DecisionRequest out = movedDirectory("/cache/d", "/d");
        assertEquals(PolicyDecision.deny("EACCES", List.of(SCRIPTS)), both(e, out), "/cache/d/x.sh would escape");
        assertEquals(PolicyDecision.deny("EACCES", List.of(SCRIPTS)), both(e, movedDirectory("/cache/a/b", "/b")));
        assertTrue(both(e, movedDirectory("/cache/d", "/cache/e/f")).allowed(), "still below /cache");
        assertTrue(both(e, rename("/cache/d", "/d")).allowed(), "a file of that name: the rule on its two paths");
    }

    /**
     * A directory moved into a glob's reach brings names along: where the rule denies CREATE, {@code /tmp/d/x.sh}
     * moved to {@code /cache/d/x.sh} is a script the VM could not have created there. Where it does not (only
     * writes are denied), the move narrows what the VM may do and is kept.
     */
    @Test
    void aDirectoryMayNotPlantNamesACreateDenyForbids() throws Exception {
        PolicyEngine e = engine();
        assertEquals(
                PolicyDecision.deny("EACCES", List.of(SCRIPTS)),
                both(e, movedDirectory("/tmp/d", "/cache/d")),
                "/tmp/d/x.sh would appear as /cache/d/x.sh");
        assertEquals(PolicyDecision.deny("EACCES", List.of(SCRIPTS)), both(e, movedDirectory("/tmp/d", "/cache/a/b")));
        assertTrue(both(e, movedDirectory("/cache/d", "/cache/e/f")).allowed(), "within the reach: nothing new");
        assertTrue(both(e, rename("/tmp/d", "/cache/d")).allowed(), "a file of that name: the rule on its two paths");
        PolicyEngine writesOnly = PolicyEngine.load(PolicyFiles.write(dir, "w.yaml", PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                access: read-write
                rules:
                  - {id: logs, effect: deny, ops: [OPEN_WRITE], paths: ["/logs/**/*.log"]}
                """)));
        assertTrue(both(writesOnly, movedDirectory("/tmp/d", "/logs/d")).allowed(), "into the reach of a write deny");
        assertEquals(
                PolicyDecision.deny("EACCES", List.of("vm.vm1.share.data.rules.logs")),
                both(writesOnly, movedDirectory("/logs/d", "/d")),
                "out of it stays refused");
    }

    private static DecisionRequest movedDirectory(String from, String to) {
        return new DecisionRequest("vm1", "data", OpKind.RENAME, SharePath.of(from), SharePath.of(to), 0, 0, true);
    }

    private static DecisionRequest link(String from, String to) {
        return DecisionRequest.twoPath("vm1", "data", OpKind.LINK, from, to);
    }

    @Test
    void mknodOntoADeniedNameIsRefusedAsCreate() throws Exception {
        PolicyEngine e = engine();
        assertEquals(
                PolicyDecision.deny("EACCES", List.of(SCRIPTS)),
                both(e, DecisionRequest.of("vm1", "data", OpKind.MKNOD, "/cache/c.sh")));
        assertTrue(both(e, DecisionRequest.of("vm1", "data", OpKind.MKNOD, "/cache/c.txt"))
                .allowed());
    }

    @Test
    void symlinkNeedsCreateAllowedToo() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(dir, "s.yaml", PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                rules:
                  - {id: links, effect: allow, ops: [SYMLINK], paths: ["/**"]}
                """)));
        assertEquals(
                "EACCES",
                both(e, DecisionRequest.of("vm1", "data", OpKind.SYMLINK, "/l")).errno());
    }
}
