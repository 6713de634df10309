package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-POL-1: a policy that cannot be used is refused with file, line and column; R-POL-9 overlaps too. */
class PolicyLoadErrorsTest {

    @TempDir
    Path dir;

    private PolicyLoadException refused(String text) throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", text);
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(p.toAbsolutePath().normalize(), e.pos().file());
        return e;
    }

    @Test
    void unknownKeyIsAnErrorAtTheKey() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                read_only: [/maps]
                """));
        assertEquals(11, e.pos().line());
        assertEquals(9, e.pos().column());
        assertTrue(e.reason().contains("unknown key 'read_only'"), e.reason());
    }

    @Test
    void yamlSyntaxErrorsHaveALine() throws Exception {
        PolicyLoadException e = refused("image: x\nvms: [unclosed\n");
        assertTrue(e.pos().line() >= 2, e.getMessage());
        assertTrue(e.reason().startsWith("YAML syntax"), e.reason());
    }

    /**
     * A YAML escape of half a UTF-16 pair ("\\uDD38") is no character: Cedar gets the policy text through JNI, where
     * one lone surrogate turned every character outside the BMP in every rule into U+FFFD, and Cedar (deciding
     * whenever .cedar files are loaded, and for explain) skipped a deny of "/\\U0001F600/**" the fast path enforced.
     */
    @Test
    void aLoneSurrogateEscapeIsRefusedWhereItIs() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                access: read-write
                rules:
                  - {effect: deny, ops: [OPEN_READ], paths: ["/\\U0001F600/**"]}
                  - {effect: allow, ops: [OPEN_READ], paths: ["/x\\uDD38*"]}
                """));
        assertEquals(14, e.pos().line());
        assertTrue(e.reason().contains("U+DD38"), e.reason());
    }

    @Test
    void unknownOperationIsNamedWithItsPosition() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                rules:
                  - {effect: allow, ops: [READ_ALL], paths: [/x]}
                """));
        assertEquals(12, e.pos().line());
        assertTrue(e.reason().contains("unknown operation 'READ_ALL'"), e.reason());
    }

    /** Two rules of a share with one id: records and `policy explain` would name either; refused at the second. */
    @Test
    void aRuleIdUsedTwiceInAShareIsRefusedAtItsSecondUse() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                rules:
                  - {id: x, effect: deny, ops: [read], paths: [/a]}
                  - {id: x, effect: allow, ops: [read], paths: [/b]}
                """));
        assertEquals(13, e.pos().line());
        assertTrue(e.reason().contains("rule id 'x' is already used by the rule at line 12"), e.reason());
    }

    @Test
    void badGlobIsRefused() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                rules:
                  - {effect: allow, ops: [read], paths: ["/a/**/b/**"]}
                """));
        assertTrue(e.reason().contains("'**' only once"), e.reason());
    }

    @Test
    void shareContainingTheAuditDirectoryIsRefused() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("path: /var/lib"));
        assertTrue(e.reason().contains("contains the audit directory"), e.reason());
        assertTrue(e.reason().contains("R-POL-9"), e.reason());
    }

    @Test
    void shareInsideTheKeyDirectoryIsRefused() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("path: /etc/p9gate/keys/sub"));
        assertTrue(e.reason().contains("lies inside the key directory"), e.reason());
    }

    @Test
    void shareContainingThePolicyFileIsRefused() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("path: " + dir.toAbsolutePath()));
        assertTrue(e.reason().contains("contains the policy file"), e.reason());
    }

    @Test
    void deviceAndPermissionSettingsTakeOnlyTheirValues() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                devices: real
                """));
        assertEquals(11, e.pos().line());
        assertTrue(e.reason().contains("devices must be refuse or mapped, found 'real'"), e.reason());
        e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                permissions: host
                """));
        assertTrue(e.reason().contains("permissions must be guest or enforce, found 'host'"), e.reason());
    }

    /**
     * Under {@code permissions: enforce} a request whose guest id the map does not map is refused, and the Linux
     * client's first attach is as nobody (65534), as is the gid of every request that names none: a share whose VM
     * leaves 65534 unmapped could serve nothing, so it is refused at load, at its {@code permissions}, saying what to
     * add.
     */
    @Test
    void enforceNeedsGuestNobodyMapped() throws Exception {
        PolicyLoadException e = refused(PolicyFiles.oneShare("""
                path: /srv/p9gate/data
                permissions: enforce
                """));
        assertEquals(11, e.pos().line());
        assertEquals(22, e.pos().column());
        assertEquals(
                "share 'data' of VM 'vm1': permissions: enforce refuses requests of unmapped guest ids, and guest"
                        + " id 65534 (nobody: the Linux client's first attach, the gid of requests naming none) is not"
                        + " mapped in ids.uid and ids.gid: add a range for it to each, e.g. {guest: 65534, host: H,"
                        + " count: 1} with an unprivileged host id H of this VM's own",
                e.reason());
        e = refused("""
                image: t
                vms:
                  a:
                    listen: unix:/run/a.sock
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 100000, count: 1000}]}
                    shares:
                      data: {path: /srv/p9gate/data, access: read-write, permissions: enforce}
                """);
        assertEquals(9, e.pos().line());
        assertTrue(e.reason().contains("is not mapped in ids.gid: add a range for it, e.g. {guest: 65534"), e.reason());
    }

    @Test
    void twoVmsOnOneSocketAreRefused() throws Exception {
        PolicyLoadException e = refused("""
                image: t
                vms:
                  a: {listen: "unix:/run/x.sock"}
                  b: {listen: "unix:/run/x.sock"}
                """);
        assertTrue(e.reason().contains("could not tell them apart"), e.reason());
        assertEquals(4, e.pos().line());
    }

    /**
     * A second document was ignored: check said ok, the gateway served the first, and a reviewer reading the file
     * took what follows the '---' (or '...') for part of the policy.
     */
    @Test
    void aSecondDocumentIsRefused() throws Exception {
        PolicyLoadException e = refused("image: a\nvms: {}\n---\nimage: b\nvms: {}\n");
        assertEquals(4, e.pos().line());
        assertTrue(e.reason().startsWith("a second YAML document"), e.reason());
        e = refused("image: a\nvms: {}\n...\n--- # what follows is not served\n[1]\n");
        assertTrue(e.reason().startsWith("a second YAML document"), e.reason());
    }

    @Test
    void duplicateKeysAreRefused() throws Exception {
        PolicyLoadException e = refused("image: a\nimage: b\n");
        assertEquals(2, e.pos().line());
        assertTrue(e.reason().contains("duplicate key 'image'"), e.reason());
    }

    /**
     * A YAML alias was read as its anchor's name, a plain string: after {@code owner: &hv libvirt-qemu}, a
     * {@code peer: {uid: *hv}} loaded as the account "hv" (another user, or none: every connection refused), and
     * {@code ids: *ids} was refused as "ids must be a mapping, found a scalar". Refused at the alias, saying why.
     */
    @Test
    void anAliasIsRefusedAtTheAliasNotReadAsItsAnchorsName() throws Exception {
        PolicyLoadException e = refused("""
                image: t
                vms:
                  a:
                    listen: unix:/run/a.sock
                    socket: {owner: &hv root}
                    peer: {uid: *hv}
                """);
        assertEquals(6, e.pos().line(), e.getMessage());
        assertEquals(17, e.pos().column(), e.getMessage());
        // The parser gives no anchor of a scalar, so no line of it here.
        assertTrue(e.reason().startsWith("YAML alias '*hv': aliases, anchors and '<<' merges are not"), e.reason());
        e = refused("""
                image: t
                vms:
                  a:
                    listen: unix:/run/a.sock
                    ids: &ids
                      uid: {squash: 1000}
                  b:
                    listen: unix:/run/b.sock
                    ids: *ids
                """);
        assertEquals(9, e.pos().line(), e.getMessage());
        assertTrue(e.reason().startsWith("YAML alias '*ids' (of the anchor at line 5):"), e.reason());
    }

    /**
     * A '[' or '{' never closed is placed where it opens, also where the file ends inside it after a ',' or a key (or
     * right after the bracket): there the parser wants a value and meets the end of the file, and it was reported at
     * the end ("6:1: YAML syntax: while parsing a flow node: expected the node content, but found '<stream end>'").
     */
    @Test
    void anUnclosedBracketIsPlacedAtTheBracketAlsoWhereTheFileEndsInIt() throws Exception {
        String vm = "image: x\nvms:\n  a:\n    listen: unix:/run/a.sock\n";
        for (String end : new String[] {"hidden: [/a, /b\n", "hidden: [/a,\n", "hidden: [", "hidden: [/a, /b,"}) {
            PolicyLoadException e = refused(vm + "    " + end);
            assertEquals(5, e.pos().line(), end + ": " + e.getMessage());
            assertEquals(13, e.pos().column(), end + ": " + e.getMessage());
            assertTrue(e.reason().startsWith("YAML syntax: '[' is not closed"), e.reason());
        }
        PolicyLoadException e = refused(vm + "    socket: {owner: root,\n");
        assertEquals(5, e.pos().line(), e.getMessage());
        assertEquals(13, e.pos().column(), e.getMessage());
        assertTrue(e.reason().startsWith("YAML syntax: '{' is not closed"), e.reason());
        e = refused(vm + "    hidden: [/a, {\n");
        assertEquals(18, e.pos().column(), "the innermost: " + e.getMessage());
        assertTrue(e.reason().startsWith("YAML syntax: '{' is not closed"), e.reason());
    }

    /** A tab where indentation is: placed at the tab, not at the end of the line before (it said 2:4). */
    @Test
    void aTabIsPlacedWhereItIs() throws Exception {
        PolicyLoadException e = refused("image: x\nvms:\n\ta:\n    listen: unix:/run/a.sock\n");
        assertEquals(3, e.pos().line(), e.getMessage());
        assertEquals(1, e.pos().column(), e.getMessage());
    }

    @Test
    void overlappingIdRangesAreRefusedWithPosition() throws Exception {
        PolicyLoadException e = refused("""
                image: t
                vms:
                  a:
                    listen: unix:/run/a.sock
                    ids:
                      uid:
                        ranges:
                          - {guest: 0, host: 1000, count: 10}
                          - {guest: 5, host: 9000, count: 10}
                """);
        assertEquals(9, e.pos().line(), "at the range that overlaps an earlier one");
        assertTrue(e.reason().contains("overlaps the range at line 8: guest ids 5..9 are in both"), e.reason());
    }

    /**
     * A range whose end overflows a long ({@code guest + count - 1} past 2^63) slipped past the bounds check and was
     * loaded: {@code {guest: 2, host: 2, count: 9223372036854775807}} maps every guest id from 2 up, including
     * 4294967295, which is (uid_t)-1, the id setfsuid/setfsgid take as "leave unchanged" (the gateway's own). The
     * schema allows ids up to 4294967294 only; this must be refused at the range like any range out of bounds.
     */
    @Test
    void anIdRangeWhoseEndOverflowsIsRefused() throws Exception {
        for (String range : java.util.List.of(
                "{guest: 2, host: 2, count: 9223372036854775807}",
                "{guest: 4294967295, host: 9223372036854775807, count: 9223372036854775807}")) {
            PolicyLoadException e = refused("""
                    image: t
                    vms:
                      a:
                        listen: unix:/run/a.sock
                        ids:
                          uid:
                            ranges:
                              - %s
                    """.formatted(range));
            assertEquals(8, e.pos().line(), e.getMessage());
            assertTrue(e.reason().contains("outside 0..4294967294"), e.reason());
        }
    }

    /**
     * A list item of the wrong kind is named as the item, at the item: the message used to name the list
     * ("'read-only' must be a value, found a list"), which read as if the key itself were wrong.
     */
    @Test
    void anItemOfTheWrongKindIsNamedAsTheItemAtItsPosition() throws Exception {
        record Case(String share, int line, int column, String reason) {}
        for (Case c : new Case[] {
            new Case(
                    "path: /srv/p9gate/data\nread-only: [[/maps]]",
                    11,
                    21,
                    "'read-only item' must be a value, found a list"),
            new Case(
                    "path: /srv/p9gate/data\nhidden: [{a: b}]",
                    11,
                    18,
                    "'hidden item' must be a value, found a mapping"),
            new Case(
                    "path: /srv/p9gate/data\nrules:\n  - {effect: allow, ops: [[read]], paths: [/x]}",
                    12,
                    35,
                    "'ops item' must be a value, found a list"),
            new Case(
                    "path: /srv/p9gate/data\nrules:\n  - {effect: allow, ops: [read], paths: [{a: b}]}",
                    12,
                    50,
                    "'paths item' must be a value, found a mapping"),
        }) {
            PolicyLoadException e = refused(PolicyFiles.oneShare(c.share()));
            assertEquals(c.reason(), e.reason(), c.share());
            assertEquals(
                    c.line() + ":" + c.column(), e.pos().line() + ":" + e.pos().column(), c.share());
        }
    }

    /** A TLS pin list's item of the wrong kind is the item too; a single pin of the wrong kind is the key. */
    @Test
    void aPinOfTheWrongKindIsNamedAsTheItemInAListAndAsTheKeyAlone() throws Exception {
        PolicyLoadException item = refused(PolicyFiles.oneVmWith("client-cert: {sha256: [[ab]]}")
                .replace("unix:/run/p9gate/vm1.sock", "tls:127.0.0.1:5643"));
        assertEquals("'sha256 item' must be a value, found a list", item.reason());
        assertEquals("5:28", item.pos().line() + ":" + item.pos().column());
        PolicyLoadException alone = refused(PolicyFiles.oneVmWith("client-cert: {sha256: {a: b}}")
                .replace("unix:/run/p9gate/vm1.sock", "tls:127.0.0.1:5643"));
        assertEquals("'sha256' must be a value, found a mapping", alone.reason());
        assertEquals("5:27", alone.pos().line() + ":" + alone.pos().column());
    }

    /** R-POL-9: the policy file with another name is refused at its first line, a FILE:LINE:COL as every error. */
    @Test
    void aPolicyFileWithAnotherNameIsRefusedAtItsFirstLine() throws Exception {
        Path p = PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneVmWith(""));
        Files.createLink(dir.resolve("elsewhere.yaml"), p);
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertTrue(e.reason().contains("policy file " + p + " has 2 hard links"), e.reason());
        assertEquals(p + ":1:1", e.pos().toString());
    }
}
