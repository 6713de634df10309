package io.p9gate.policy.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.DetailWords;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.terms.OpKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stored decision record read back as the questions the gateway asked for it (docs/audit-format.md). */
class RecordedRequestTest {

    static AuditRecord decision(String op, String path, String detail, long count) {
        return new AuditRecord(
                3,
                "b",
                "2026-11-25T11:56:21.019779Z",
                "decision",
                "vm",
                1L,
                op,
                7,
                path,
                1000L,
                100L,
                1000L,
                100L,
                "allow",
                List.of("r"),
                "sha256:x",
                0,
                null,
                count,
                detail,
                "00");
    }

    private static List<DecisionRequest> questions(String op, String path, String detail) {
        return assertInstanceOf(RecordedRequest.Questions.class, RecordedRequest.of(decision(op, path, detail, 1)))
                .questions();
    }

    private static String whyNot(AuditRecord record) {
        return assertInstanceOf(RecordedRequest.NotReplayed.class, RecordedRequest.of(record))
                .why();
    }

    private static List<String> asked(List<DecisionRequest> qs) {
        return qs.stream()
                .map(q -> q.op() + " " + q.path().text()
                        + (q.destination() == null ? "" : " " + q.destination().text()))
                .toList();
    }

    /**
     * A path past 4,095 bytes is recorded abbreviated (docs/audit-format.md): the policy cannot be asked about it, and
     * replay says so with one reason for all such records, not a guess from the first names.
     */
    @Test
    void anAbbreviatedPathIsNamedAsSuchNotReplayed() {
        String deep = "/" + "d/".repeat(2500) + "f";
        String stored = AbbreviatedPath.stored(deep);
        String why =
                "path taking more than 4,095 bytes of its record, recorded abbreviated: the policy cannot be asked about it";
        assertEquals(why, whyNot(decision("getattr", stored, "action=getattr share=s", 1)));
        assertEquals(why, whyNot(decision("walk", stored, "action=walk share=s f", 1)));
        assertEquals(
                why,
                whyNot(decision(
                        "renameat",
                        "/a",
                        "action=rename share=s to=" + DetailWords.word(stored) + " phase=intent",
                        1)));
        assertEquals(why, whyNot(decision("renameat", stored, "action=rename share=s to=/b phase=intent", 1)));
    }

    /**
     * An rmdir the policy allowed and the gateway refused because the directory holds a hidden name: re-asked, the
     * policy allows it again, which replay reported as newly allowed under the very policy that recorded it. Named as
     * any refusal of a share's own settings (below), in the same words: they were two branches of two wordings.
     */
    @Test
    void anRmdirRefusedForHiddenEntriesIsNamedNotReplayed() {
        AuditRecord refused = refusedBy("hidden-entries", "unlinkat", "/empty", "action=remove share=s");
        assertEquals("refused by the share's own rule hidden-entries after the policy allowed it", whyNot(refused));
        assertEquals(List.of("REMOVE /empty"), asked(questions("unlinkat", "/empty", "action=remove share=s")));
    }

    /**
     * Requests the policy allowed and a share's setting refused (a device node where {@code devices:} maps none, an
     * unmapped guest id in a {@code permissions: enforce} share): re-asked, the policy allows them again, which
     * replay reported as newly allowed under the policy that recorded them.
     */
    @Test
    void aRequestRefusedByAShareSettingIsNamedNotReplayed() {
        AuditRecord device = refusedBy("vm.a.share.s.devices", "mknod", "/dev0", "action=create share=s");
        assertEquals(
                "refused by the share's own rule vm.a.share.s.devices after the policy allowed it", whyNot(device));
        AuditRecord unmapped =
                refusedBy("vm.a.share.s.permissions.unmapped-id", "lcreate", "/f", "action=create share=s");
        assertTrue(whyNot(unmapped).contains("permissions.unmapped-id"), whyNot(unmapped));
        AuditRecord unowned = refusedBy("vm.a.share.s.ids.unmapped-id", "setattr", "/f", "action=setattr share=s");
        assertTrue(whyNot(unowned).contains("ids.unmapped-id"), whyNot(unowned));
    }

    /**
     * Refusals the gateway makes itself under a policy's digest, whatever the policy would answer: a connection whose
     * identity a reload took away ({@code identity-revoked}), a share a reload moved ({@code share-moved}), a policy
     * that failed to decide ({@code policy-error}). Re-asked, the same policy allows them, which replay reported as a
     * changed decision (exit 1) under the very policy that recorded them.
     */
    @Test
    void theGatewaysOwnRefusalsUnderAPolicyAreNamedNotReplayed() {
        for (String rule : List.of("identity-revoked", "share-moved", "policy-error")) {
            AuditRecord refused = refusedBy(rule, "lcreate", "/d/n", "action=create share=s flags=0x2 mode=644");
            assertEquals(
                    "refused by the gateway's own rule " + rule + " (the policy was not what refused it)",
                    whyNot(refused));
        }
    }

    private static AuditRecord refusedBy(String rule, String op, String path, String detail) {
        AuditRecord allowed = decision(op, path, detail + " phase=intent", 1);
        return new AuditRecord(
                allowed.seq(),
                allowed.boot(),
                allowed.time(),
                allowed.type(),
                allowed.vm(),
                allowed.session(),
                allowed.op(),
                allowed.tag(),
                allowed.path(),
                allowed.guestUid(),
                allowed.guestGid(),
                allowed.hostUid(),
                allowed.hostGid(),
                "deny",
                List.of(rule),
                allowed.policy(),
                39,
                null,
                1L,
                detail,
                allowed.prev());
    }

    @Test
    void aWalkAsksAboutEveryComponentItReached() {
        List<DecisionRequest> qs = questions("walk", "/maps/eu/tiles.db", "action=walk share=data eu/./tiles.db");
        assertEquals(List.of("WALK /maps/eu", "WALK /maps/eu", "WALK /maps/eu/tiles.db"), asked(qs));
        DecisionRequest q = qs.getFirst();
        assertEquals("vm", q.vm());
        assertEquals("data", q.share());
        assertEquals(1000, q.uid());
        assertEquals(100, q.gid());
    }

    @Test
    void aWalkFromTheRootAndACloneAreDecidedWhereTheyEnd() {
        assertEquals(
                List.of("WALK /a", "WALK /a/b c"), asked(questions("walk", "/a/b c", "action=walk share=s a/b c")));
        assertEquals(List.of("WALK /a"), asked(questions("walk", "/a", "action=walk share=s")));
    }

    @Test
    void aWalkWhoseStartIsUnknownIsNamedNotGuessed() {
        assertTrue(
                whyNot(decision("walk", "/a", "action=walk share=s b/../a", 1)).contains("'..'"));
        assertTrue(whyNot(decision("walk", "/a/x", "action=walk share=s y", 1)).contains("walk"));
    }

    @Test
    void opensAreReadOrWriteByTheirFlags() {
        assertEquals(List.of("OPEN_READ /f"), asked(questions("lopen", "/f", "action=open share=s flags=0x0")));
        assertEquals(List.of("OPEN_WRITE /f"), asked(questions("lopen", "/f", "action=open share=s flags=0x1")));
        assertEquals(
                List.of("OPEN_WRITE /f"),
                asked(questions("lopen", "/f", "action=open share=s flags=0x200 phase=intent")));
        assertEquals(List.of("OPEN_WRITE /f"), asked(questions("lopen", "/f", "action=open share=s flags=0x400")));
        assertTrue(whyNot(decision("lopen", "/f", "action=open share=s", 1)).contains("open flags"));
    }

    @Test
    void aCreateIsAlsoTheOpenItsFlagsAskUnlessExclusive() {
        assertEquals(
                List.of("CREATE /d/n", "OPEN_WRITE /d/n"),
                asked(questions("lcreate", "/d/n", "action=create share=s flags=0x2 mode=644 phase=intent")));
        assertEquals(
                List.of("CREATE /d/n"),
                asked(questions("lcreate", "/d/n", "action=create share=s flags=0x2 mode=644 excl phase=intent")));
    }

    @Test
    void renamesAskWithBothPathsAndXattrIoIsAskedAsXattr() {
        assertEquals(
                List.of("RENAME /a b /c d"),
                asked(questions("renameat", "/a b", "action=rename share=s to=/c d phase=intent")));
        assertEquals(List.of("XATTR_READ /f"), asked(questions("read", "/f", "action=read share=s xattr user.x")));
        assertEquals(List.of("OPEN_READ /f"), asked(questions("read", "/f", "action=read share=s offset=0")));
        assertEquals(List.of(), asked(questions("clunk", "/f", "action=clunk share=s")));
    }

    /**
     * A directory's rename is decided on what it carries along (docs/policy.md, "Rename"): its record says {@code dir}
     * after the destination, and replay asks the same question. A record without it is a file's, as before.
     */
    @Test
    void aDirectorysRenameIsReplayedAsOne() {
        List<DecisionRequest> dir = questions("renameat", "/logs/d", "action=rename share=s to=/d dir phase=intent");
        assertEquals(List.of("RENAME /logs/d /d"), asked(dir));
        assertTrue(dir.getFirst().directory());
        List<DecisionRequest> file = questions("rename", "/logs/d", "action=rename share=s to=/d phase=intent");
        assertEquals(List.of("RENAME /logs/d /d"), asked(file));
        assertFalse(file.getFirst().directory());
        assertEquals(
                List.of("RENAME /a /b dir"),
                asked(questions("renameat", "/a", "action=rename share=s to=/b%20dir phase=intent")),
                "a destination named 'b dir' is one word");
    }

    @Test
    void summariesOfOneRequestAreReplayedAndOfVariedPathsAreNamed() {
        assertEquals(
                List.of("WALK /x", "WALK /x/y"),
                asked(questions("walk", "/x/y", "action=walk share=s x/y repeat_of=12")));
        assertTrue(whyNot(decision("walk", "/x", "action=walk share=s x/y paths=varied", 40))
                .contains("varied"));
        assertTrue(
                whyNot(decision("attach", "/", "action=attach details=varied paths=varied", 2))
                        .contains("varied"),
                "a summary of refusals that named different shares");
    }

    @Test
    void recordsThatAreNoPolicyDecisionAreNamed() {
        assertTrue(
                whyNot(decision("lcreate", "/n", "action=create share=s flags=0x0 mode=644 phase=outcome intent=2", 1))
                        .contains("outcome"));
        AuditRecord start = new AuditRecord(
                0, "b", "t", "start", null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, "key=k", "00");
        assertTrue(whyNot(start).startsWith("start record"));
        assertTrue(whyNot(decision("walk", "/", "free text", 1)).contains("action="));
        AuditRecord noVm = new AuditRecord(
                3,
                "b",
                "t",
                "decision",
                null,
                1L,
                "walk",
                7,
                "/a",
                0L,
                0L,
                0L,
                0L,
                "allow",
                List.of("r"),
                "sha256:x",
                0,
                null,
                1L,
                "action=walk share=s a",
                "00");
        assertTrue(whyNot(noVm).contains("a field is missing"), "a doctored record is named, never an error");
    }

    /**
     * A write lock ({@code type=1}) is also asked OPEN_WRITE, whatever its fid's open; a read lock, an unlock or a
     * Tgetlock the lock alone. A record older than that (a write lock through a fid not open for writing said
     * {@code opened=read}, its release by a reload was an unlock) is replayed with the question it was asked.
     */
    @Test
    void aWriteLockIsReplayedWithItsWriteQuestion() {
        assertEquals(
                List.of("LOCK /db", "OPEN_WRITE /db"),
                asked(questions("lock", "/db", "action=lock share=s type=1 start=0 length=0 opened=read")));
        assertEquals(
                List.of("LOCK /db", "OPEN_WRITE /db"),
                asked(questions("lock", "/db", "action=lock share=s type=1 start=0 length=0")),
                "through a fid open for writing");
        assertEquals(
                List.of("LOCK /db"), asked(questions("lock", "/db", "action=lock share=s type=0 start=0 length=0")));
        assertEquals(
                List.of("LOCK /db"), asked(questions("lock", "/db", "action=lock share=s type=2 start=0 length=0")));
        assertEquals(
                List.of("LOCK /db"),
                asked(questions("getlock", "/db", "action=getlock share=s type=1 start=0 length=0")));
        assertEquals(
                List.of("LOCK /db", "OPEN_WRITE /db"),
                asked(questions("lock", "/db", "action=lock share=s type=1 start=0 length=0 opened=read phase=intent")),
                "an allowed lock's intent record");
        assertEquals(
                List.of("LOCK /db", "OPEN_WRITE /db"),
                asked(questions("lock", "/db", "action=lock share=s type=1 start=0 length=0 released=reload")),
                "a reload's release of a write lock");
        assertEquals(
                List.of("LOCK /db"),
                asked(questions("lock", "/db", "action=lock share=s type=0 start=0 length=0 released=reload")),
                "a reload's release of a read lock");
        assertEquals(
                List.of("LOCK /db", "OPEN_WRITE /db"),
                asked(questions(
                        "lock", "/db", "action=lock share=s type=2 start=0 length=0 opened=read released=reload")),
                "an older release of a write lock through a read open");
    }

    @Test
    void everyActionOfTheGatewayIsKnown() {
        for (String action : List.of(
                "auth",
                "attach",
                "walk",
                "open",
                "create",
                "read",
                "write",
                "clunk",
                "remove",
                "statfs",
                "symlink",
                "mknod",
                "mkdir",
                "link",
                "rename",
                "readlink",
                "getattr",
                "setattr",
                "xattr_get",
                "xattr_list",
                "xattr_create",
                "xattr_commit",
                "readdir",
                "fsync",
                "lock",
                "getlock")) {
            String to = action.equals("rename") || action.equals("link") ? " to=/g" : "";
            var r = RecordedRequest.of(decision(action, "/f", "action=" + action + " share=s" + to, 1));
            if (r instanceof RecordedRequest.NotReplayed n) {
                assertTrue(n.why().equals(action + " without its open flags"), action + ": " + n.why());
            }
        }
        assertTrue(whyNot(decision("frob", "/f", "action=frob share=s", 1)).startsWith("unknown action"));
        assertEquals(
                OpKind.LOCK,
                questions("getlock", "/f", "action=getlock share=s type=0 start=0 length=0")
                        .getFirst()
                        .op());
    }
}
