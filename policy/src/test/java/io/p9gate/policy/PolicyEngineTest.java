package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.ids.IdRange;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.DeviceNodes;
import io.p9gate.policy.model.HostPermissions;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decisions of a loaded policy: default deny, read-only, hidden, rename/link on both paths, hand-written Cedar. */
class PolicyEngineTest {

    @TempDir
    Path dir;

    private PolicyEngine engine(String share) throws Exception {
        return PolicyEngine.load(PolicyFiles.write(dir, "p.yaml", PolicyFiles.oneShare(share)));
    }

    private static final String SHARE = """
            path: /srv/p9gate/data
            access: read-write
            read-only: [/maps]
            hidden: [/calibration]
            rules:
              - {effect: deny, ops: [CREATE], paths: ["/**/*.exe"]}
            """;

    @Test
    void aShareRefusesDeviceNodesAndTrustsTheGuestUnlessItSaysOtherwise() throws Exception {
        SharePolicy plain = engine(SHARE).policy().vms().get("vm1").shares().get("data");
        assertEquals(DeviceNodes.REFUSE, plain.devices());
        assertEquals(HostPermissions.GUEST, plain.permissions());
        assertEquals("vm.vm1.share.data.devices", plain.devicesRuleId());
        // enforce needs guest nobody (65534) mapped: by a range, or by a squash, which maps every guest id.
        SharePolicy set = PolicyEngine.load(PolicyFiles.write(
                        dir,
                        "p.yaml",
                        PolicyFiles.oneShare(SHARE + "devices: mapped\npermissions: enforce\n")
                                .replace(
                                        "    shares:\n",
                                        "    ids: {uid: {ranges: [{guest: 0, host: 100000, count: 65536}]},"
                                                + " gid: {squash: 3100}}\n    shares:\n")))
                .policy()
                .vms()
                .get("vm1")
                .shares()
                .get("data");
        assertEquals(DeviceNodes.MAPPED, set.devices());
        assertEquals(HostPermissions.ENFORCE, set.permissions());
    }

    @Test
    void unknownVmOrShareGetsNothing() throws Exception {
        PolicyEngine e = engine(SHARE);
        assertEquals(
                PolicyDecision.deny("EACCES", List.of()),
                e.decide(DecisionRequest.of("stranger", "data", OpKind.WALK, "/")));
        assertEquals(
                PolicyDecision.deny("EACCES", List.of()),
                e.decide(DecisionRequest.of("vm1", "other", OpKind.WALK, "/")));
    }

    @Test
    void shareWithoutAccessOrRulesGetsNothing() throws Exception {
        PolicyEngine e = engine("path: /srv/p9gate/data");
        assertEquals(
                PolicyDecision.deny("EACCES", List.of()),
                e.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, "/x")));
    }

    @Test
    void readOnlySubtreeRefusesWritesWithErofs() throws Exception {
        PolicyEngine e = engine(SHARE);
        assertTrue(e.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_READ, "/maps/eu.bin"))
                .allowed());
        PolicyDecision d = e.decide(DecisionRequest.of("vm1", "data", OpKind.OPEN_WRITE, "/maps/eu.bin"));
        assertEquals(PolicyDecision.deny("EROFS", List.of("vm.vm1.share.data.read-only[0]")), d);
        assertEquals(
                "EROFS",
                e.decide(DecisionRequest.of("vm1", "data", OpKind.REMOVE, "/maps"))
                        .errno());
    }

    @Test
    void renameIntoOrOutOfReadOnlyIsRefused() throws Exception {
        PolicyEngine e = engine(SHARE);
        assertEquals(
                "EROFS",
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/tmp/a", "/maps/a"))
                        .errno());
        assertEquals(
                "EROFS",
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/maps/a", "/tmp/a"))
                        .errno());
        assertEquals(
                "EROFS",
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.LINK, "/maps/a", "/tmp/a"))
                        .errno());
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/tmp/a", "/tmp/b"))
                .allowed());
    }

    @Test
    void aRenameOrLinkToANameThatMayNotBeCreatedIsRefused() throws Exception {
        PolicyEngine e = engine(SHARE);
        PolicyDecision renamed =
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/tmp/a.txt", "/tmp/a.exe"));
        assertEquals(PolicyDecision.deny("EACCES", List.of("vm.vm1.share.data.rules[0]")), renamed);
        assertEquals(
                "EACCES",
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.LINK, "/tmp/a.txt", "/tmp/a.exe"))
                        .errno());
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/tmp/a.exe", "/tmp/a.txt"))
                .allowed());
    }

    @Test
    void aRenameFromANameThatMayNotBeRemovedIsRefused() throws Exception {
        PolicyEngine e = engine(SHARE + "  - {id: keep, effect: deny, ops: [REMOVE], paths: [\"/crash/**\"]}\n");
        PolicyDecision out = e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/crash/r", "/r"));
        assertEquals(PolicyDecision.deny("EACCES", List.of("vm.vm1.share.data.rules.keep")), out);
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/r", "/crash/r"))
                .allowed());
        assertTrue(e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.LINK, "/crash/r", "/r"))
                .allowed());
    }

    @Test
    void hiddenSubtreeIsAbsentAndWinsOverReadOnly() throws Exception {
        PolicyEngine e = engine(SHARE + "read-only: [/calibration/x]\n".replace("read-only", "#"));
        PolicyDecision d = e.decide(DecisionRequest.of("vm1", "data", OpKind.WALK, "/calibration"));
        assertEquals(PolicyDecision.deny("ENOENT", List.of("vm.vm1.share.data.hidden[0]")), d);
        assertFalse(e.visible("vm1", "data", SharePath.of("/calibration"), 1000, 1000));
        assertTrue(e.visible("vm1", "data", SharePath.of("/maps"), 1000, 1000));
        assertEquals(
                "ENOENT",
                e.decide(DecisionRequest.twoPath("vm1", "data", OpKind.RENAME, "/maps/a", "/calibration/a"))
                        .errno());
    }

    @Test
    void explicitDenyIsEacces() throws Exception {
        PolicyEngine e = engine(SHARE);
        assertEquals(
                PolicyDecision.deny("EACCES", List.of("vm.vm1.share.data.rules[0]")),
                e.decide(DecisionRequest.of("vm1", "data", OpKind.CREATE, "/tmp/x/run.exe")));
    }

    @Test
    void allowRuleImpliesTraversalOfItsDirectories() throws Exception {
        PolicyEngine e = engine("""
                path: /srv/p9gate/data
                rules:
                  - {effect: allow, ops: [read], paths: ["/logs/vm1/**"]}
                """);
        assertEquals(
                List.of("vm.vm1.share.data.rules[0].traverse"),
                e.decide(DecisionRequest.of("vm1", "data", OpKind.WALK, "/logs"))
                        .ruleIds());
        assertFalse(e.decide(DecisionRequest.of("vm1", "data", OpKind.READDIR, "/logs"))
                .allowed());
        assertFalse(e.decide(DecisionRequest.of("vm1", "data", OpKind.WALK, "/logs/vm2"))
                .allowed());
        assertTrue(e.decide(DecisionRequest.of("vm1", "data", OpKind.READDIR, "/logs/vm1/x"))
                .allowed());
    }

    @Test
    void handWrittenCedarIsAddedAndDecidedByCedar() throws Exception {
        PolicyFiles.write(dir, "extra.cedar", """
                @id("no-root-writes")
                @errno("EROFS")
                forbid (principal, action == P9gate::Action::"CREATE", resource)
                when { context.uid == 0 };
                """);
        Path p = PolicyFiles.write(dir, "p.yaml", "cedar: [extra.cedar]\n" + PolicyFiles.oneShare(SHARE));
        PolicyEngine e = PolicyEngine.load(p);
        assertFalse(e.usesFastPath());
        DecisionRequest asRoot = new DecisionRequest("vm1", "data", OpKind.CREATE, SharePath.of("/tmp/a"), null, 0, 0);
        DecisionRequest asUser =
                new DecisionRequest("vm1", "data", OpKind.CREATE, SharePath.of("/tmp/a"), null, 1000, 1000);
        assertEquals(PolicyDecision.deny("EROFS", List.of("no-root-writes")), e.decide(asRoot));
        assertTrue(e.decide(asUser).allowed());
    }

    /**
     * The names a directory directly holds that a hidden subtree (or a hand-written ENOENT forbid of one Directory)
     * starts at: what the gateway answers an rmdir and a link count by, never asking the host (R-POL-4).
     */
    @Test
    void hiddenNamesAreTheTopsOfHidingSubtreesByTheirParent() throws Exception {
        PolicyFiles.write(dir, "extra.cedar", """
                @id("no-vault")
                @errno("ENOENT")
                forbid (principal, action, resource in P9gate::Directory::"vm1/data:/pub/vault");
                """);
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(
                dir,
                "p.yaml",
                "cedar: [extra.cedar]\n"
                        + PolicyFiles.oneShare(
                                SHARE.replace("[/calibration]", "[/calibration, /pub/secret, /a/b/c]"))));
        assertEquals(List.of("calibration"), e.hiddenNamesIn("vm1", "data", SharePath.ROOT));
        assertEquals(List.of("secret", "vault"), e.hiddenNamesIn("vm1", "data", SharePath.of("/pub")));
        assertEquals(List.of("c"), e.hiddenNamesIn("vm1", "data", SharePath.of("/a/b")));
        assertEquals(List.of(), e.hiddenNamesIn("vm1", "data", SharePath.of("/a")), "only direct children");
        assertEquals(List.of(), e.hiddenNamesIn("vm1", "data", SharePath.of("/maps")), "read-only is not hidden");
        assertEquals(List.of(), e.hiddenNamesIn("vm1", "other", SharePath.of("/pub")));
        assertTrue(e.hidesNamesIn("vm1", "data"));
        assertFalse(e.hidesNamesIn("vm1", "other"));
        assertFalse(e.hidesNamesIn("vm2", "data"));
    }

    /** A share with no hidden subtree says so once, so that its directories never ask {@link PolicyEngine#hiddenNamesIn}. */
    @Test
    void aShareWithoutHiddenSubtreesHidesNoNames() throws Exception {
        PolicyEngine e = engine(SHARE.replace("hidden: [/calibration]\n", ""));
        assertFalse(e.hidesNamesIn("vm1", "data"));
        assertTrue(engine(SHARE).hidesNamesIn("vm1", "data"));
    }

    /**
     * Whether a share's decisions may differ from one path to another: a handle whose file the gateway cannot place
     * (its name removed, the file kept under another) is refused only where they may.
     */
    @Test
    void aShareDecidesByPathWhereAnySubtreeOrRuleNamesPaths() throws Exception {
        String plain = "path: /srv/p9gate/data\naccess: read-write\n";
        assertFalse(engine(plain).decidesByPath("vm1", "data"));
        assertFalse(engine(plain.replace("read-write", "read-only")).decidesByPath("vm1", "data"));
        assertTrue(engine(plain + "hidden: [/calibration]\n").decidesByPath("vm1", "data"));
        assertTrue(engine(plain + "read-only: [/maps]\n").decidesByPath("vm1", "data"));
        assertTrue(engine(plain + "rules:\n  - {effect: deny, ops: [CREATE], paths: [\"/**/*.exe\"]}\n")
                .decidesByPath("vm1", "data"));
        PolicyFiles.write(dir, "extra.cedar", "permit (principal, action, resource);\n");
        assertTrue(
                PolicyEngine.load(PolicyFiles.write(
                                dir, "p.yaml", "cedar: [extra.cedar]\n" + PolicyFiles.oneShare(plain)))
                        .decidesByPath("vm1", "data"),
                "hand-written Cedar may name paths");
    }

    @Test
    void handWrittenCedarCannotOpenAVmOrShareTheYamlDoesNotDeclare() throws Exception {
        PolicyFiles.write(dir, "all.cedar", "permit (principal, action, resource);\n");
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(
                dir, "p.yaml", "cedar: [all.cedar]\n" + PolicyFiles.oneShare("path: /srv/p9gate/data")));
        assertTrue(
                e.decide(DecisionRequest.of("vm1", "data", OpKind.CREATE, "/x")).allowed());
        assertEquals(
                PolicyDecision.deny("EACCES", List.of()),
                e.decide(DecisionRequest.of("vm1", "data:/etc", OpKind.WALK, "/")));
        assertEquals(
                PolicyDecision.deny("EACCES", List.of()),
                e.decide(DecisionRequest.of("vm9", "data", OpKind.WALK, "/")));
        assertFalse(e.visible("vm9", "data", SharePath.ROOT, 0, 0));
    }

    @Test
    void missingCedarFileIsNamedAtItsYamlLine() throws Exception {
        Path p = PolicyFiles.write(
                dir, "p.yaml", "cedar: [nope.cedar]\n" + PolicyFiles.oneShare("path: /srv/p9gate/data"));
        PolicyLoadException ex = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(1, ex.pos().line());
        assertTrue(ex.reason().startsWith("no such Cedar policy file"), ex.reason());
    }

    @Test
    void shareContainingACedarFileIsRefused() throws Exception {
        Path sub = java.nio.file.Files.createDirectories(dir.resolve("rules"));
        PolicyFiles.write(sub, "x.cedar", "forbid (principal, action, resource);\n");
        Path policyDir = java.nio.file.Files.createDirectories(dir.resolve("etc"));
        Path p = PolicyFiles.write(
                policyDir, "p.yaml", "cedar: [../rules/x.cedar]\n" + PolicyFiles.oneShare("path: " + sub));
        PolicyLoadException ex = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertTrue(ex.reason().contains("contains the Cedar policy file"), ex.reason());
    }

    @Test
    void handWrittenCedarThatDoesNotFitTheSchemaIsRefusedWithItsFile() throws Exception {
        Path cedar = PolicyFiles.write(dir, "bad.cedar", """
                permit (principal, action, resource);

                permit (principal, action, resource)
                when { resource.owner == "root" };
                """);
        Path p = PolicyFiles.write(dir, "p.yaml", "cedar: [bad.cedar]\n" + PolicyFiles.oneShare(SHARE));
        PolicyLoadException ex = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(cedar.toAbsolutePath().normalize(), ex.pos().file());
        assertEquals(4, ex.pos().line(), ex.getMessage());
    }

    @Test
    void concurrentCedarDecisionsMatchSequentialOnes() throws Exception {
        PolicyEngine e = engine(SHARE);
        List<DecisionRequest> reqs = new java.util.ArrayList<>();
        for (OpKind op : OpKind.values()) {
            for (String path : List.of("/", "/maps/a", "/calibration/x", "/tmp/run.exe")) {
                reqs.add(
                        op.hasDestination()
                                ? DecisionRequest.twoPath("vm1", "data", op, path, "/tmp/b")
                                : DecisionRequest.of("vm1", "data", op, path));
            }
        }
        List<PolicyDecision> expected = reqs.stream().map(e::decideWithCedar).toList();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<List<PolicyDecision>>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++)
                runs.add(pool.submit(() -> reqs.stream().map(e::decideWithCedar).toList()));
            for (var run : runs) assertEquals(expected, run.get());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void listenerIdentifiesTheVmAndIdsAndQuotasAreExposed() throws Exception {
        PolicyEngine e = engine(SHARE + "quotas: [{path: /tmp, bytes: 1MiB, inodes: 10}]\n");
        assertEquals(
                java.util.Optional.of("vm1"), e.vmFor(new ListenerSpec.UnixSocket(Path.of("/run/p9gate/vm1.sock"))));
        assertEquals(
                java.util.Optional.empty(), e.vmFor(new ListenerSpec.UnixSocket(Path.of("/run/p9gate/other.sock"))));
        assertEquals(1 << 20, e.quotas("vm1").getFirst().maxBytes());
        assertEquals(10, e.quotas("vm1").getFirst().maxInodes());
        assertEquals(IdRange.MAX_ID, e.idMap("vm1").uidToHost(0), "no ids section: everyone is overflow");
        assertEquals(Path.of("/srv/p9gate/data"), e.shareDir("vm1", "data").orElseThrow());
    }
}
