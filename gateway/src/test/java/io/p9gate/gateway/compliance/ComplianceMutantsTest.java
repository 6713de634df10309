package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.IdTranslation;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.Outcome;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.StatFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Does the compliance suite catch a broken gateway (R-COMP-1)? Each mutant is a gateway that breaks its policy in one
 * small, plausible way (a wrapper around its decisions, audit trail, quota books or id map; {@link Mutants}); the suite,
 * run with the policy file, must exit 1 and fail the check named here. Before, without the checks this commit's
 * companions added, some mutants passed every check (docs/compliance.md, "What the tests prove").
 */
class ComplianceMutantsTest {
    private static final int HOST_BASE = 200000;

    @TempDir
    Path tmp;

    static Stream<Object[]> mutants() {
        return Stream.of(
                killed(
                        Mutants.allows("read-only: setattr", Mutants.op(Operation.SETATTR, "/ro")),
                        "R-POL-3   vm1/data/read-only[0]/setattr-size"),
                killed(
                        Mutants.allows(
                                "read-only: rename out",
                                r -> r.operation() == Operation.RENAME
                                        && Mutants.under(r.paths().getFirst(), "/ro")),
                        "R-POL-3   vm1/data/read-only[0]/rename-out"),
                killed(
                        Mutants.allows(
                                "read-only: link in",
                                r -> r.operation() == Operation.LINK
                                        && Mutants.under(r.paths().getLast(), "/ro")),
                        "R-POL-3   vm1/data/read-only[0]/link-in-new"),
                killed(
                        Mutants.allows(
                                "read-only: xattr set",
                                r -> (r.operation() == Operation.XATTR_CREATE
                                                || r.operation() == Operation.XATTR_COMMIT)
                                        && r.paths().stream().anyMatch(p -> Mutants.under(p, "/ro"))),
                        "R-POL-3   vm1/data/read-only[0]/xattr-set"),
                killed(
                        Mutants.allows("read-only: mknod", Mutants.op(Operation.MKNOD, "/ro")),
                        "R-POL-3   vm1/data/read-only[0]/mknod-new"),
                killed(
                        Mutants.allows(
                                "read-only: open O_TRUNC",
                                r -> Mutants.op(Operation.OPEN, "/ro").test(r) && Mutants.truncates(r)),
                        "R-POL-3   vm1/data/read-only[0]/open-trunc"),
                killed(Mutants.listsHidden("hidden: listed in readdir"), "R-POL-4   vm1/data/hidden[0]/not-listed"),
                killed(
                        Mutants.allows("hidden: walkable", Mutants.op(Operation.WALK, "/secret")),
                        "R-POL-4   vm1/data/hidden[0]/walk"),
                killed(
                        Mutants.allows(
                                "deny rule: rename onto *.sh ignored",
                                r -> r.operation() == Operation.RENAME
                                        && r.paths().getLast().endsWith(".sh")),
                        "R-POL-2   vm1/data/rule/rules.no-scripts/rename-in-new"),
                killed(
                        Mutants.allows(
                                "access: read-only share: setattr",
                                r -> r.operation() == Operation.SETATTR
                                        && r.share().equals("media")),
                        "R-POL-3   vm1/media/access-read-only/setattr-size"),
                killed(Mutants.everyDialect("dialects: ignored"), "R-PROTO-7 vm1/protocol/dialect-9p2000.u"),
                killed(
                        Mutants.quotas(
                                "quota: truncate-grow (setattr size)",
                                r -> r.operation() == Operation.SETATTR,
                                s -> Mutants.uncounted(s, true, false)),
                        "R-POL-6   vm1/data/quota[0]/bytes-truncate"),
                killed(
                        Mutants.quotas("quota: inodes", r -> true, s -> Mutants.uncounted(s, false, true)),
                        "R-POL-6   vm1/data/quota[0]/inodes-limit"),
                killed(
                        Mutants.quotas(
                                "quota: rename into the scope",
                                r -> r.operation() == Operation.RENAME,
                                s -> Mutants.Forwarding.moving(
                                        s, (scopes, to, born, bytes, inodes) -> Quotas.Held.NOTHING)),
                        "R-POL-6   vm1/data/quota[0]/bytes-rename-in"),
                killed(
                        Mutants.ids("ids: host uid on create", ids -> new ShiftedIds(ids, 1, 0, 0)),
                        "R-POL-5   vm1/data/place/ids-host"),
                killed(
                        Mutants.ids("ids: guest uid in getattr", ids -> new ShiftedIds(ids, 0, 1, 0)),
                        "R-POL-5   vm1/data/ids-existing"),
                killed(
                        Mutants.records(
                                "audit: setattr not recorded",
                                e -> e.request().operation() == Operation.SETATTR ? null : e),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        Mutants.records(
                                "audit: refused create recorded as allowed",
                                e -> e.request().operation() == Operation.CREATE
                                                && !e.decision().allowed()
                                        ? Mutants.with(e, allowed(e.decision()), e.outcome())
                                        : e),
                        "R-POL-3   vm1/data/read-only[0]/create-new"),
                killed(
                        Mutants.records(
                                "audit: EROFS of mkdir recorded as EACCES",
                                e -> e.request().operation() == Operation.MKDIR && Mutants.errno(e) == Errno.EROFS
                                        ? Mutants.with(
                                                e, denied(e.decision(), Errno.EACCES), Outcome.failure(Errno.EACCES))
                                        : e),
                        "R-AUD-1   vm1/audit/records"),
                // Kinds of bug no mutant had before: each caught by the checks there were.
                killed(
                        Mutants.allows(
                                "read-only: setattr of times only",
                                r -> Mutants.op(Operation.SETATTR, "/ro").test(r) && Mutants.timesOnly(r)),
                        "R-POL-3   vm1/data/read-only[0]/setattr-times"),
                killed(
                        Mutants.allows(
                                "deny rule: lcreate O_EXCL of *.sh",
                                r -> r.operation() == Operation.CREATE
                                        && r.args() instanceof RequestArgs.Create c
                                        && c.exclusive()
                                        && r.paths().getFirst().endsWith(".sh")),
                        "R-POL-2   vm1/data/rule/rules.no-scripts/create-over-existing"),
                killed(
                        Mutants.quotas(
                                "quota: a write past offset 0 (sparse) not counted",
                                r -> r.operation() == Operation.WRITE
                                        && r.args() instanceof RequestArgs.FileIo io
                                        && io.offset() > 0,
                                s -> Mutants.uncounted(s, true, false)),
                        "R-POL-6   vm1/data/quota[0]/bytes-over"),
                killed(
                        Mutants.records(
                                "audit: refused walks not recorded",
                                e -> e.request().operation() == Operation.WALK
                                                && !e.decision().allowed()
                                        ? null
                                        : e),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        Mutants.records(
                                "audit: readdir not recorded",
                                e -> e.request().operation() == Operation.READDIR ? null : e),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        Mutants.records(
                                "audit: EDQUOT recorded as ENOSPC",
                                e -> Mutants.errno(e) == Errno.EDQUOT
                                        ? Mutants.with(
                                                e, denied(e.decision(), Errno.ENOSPC), Outcome.failure(Errno.ENOSPC))
                                        : e),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        Mutants.ids("ids: host gid on create", ids -> new ShiftedIds(ids, 0, 0, 1)),
                        "R-POL-5   vm1/data/place/ids-host"),
                // Each passed every check (or only made some skip) until the probe named here was added.
                killed(
                        Mutants.allows(
                                "deny rule: link out of *.sh (the new name's rights not compared)",
                                r -> r.operation() == Operation.LINK
                                        && r.paths().getFirst().endsWith(".sh")),
                        "R-POL-2   vm1/data/rule/rules.no-scripts/link-out"),
                killed(
                        Mutants.allows(
                                "hidden: renameat of the hidden name out",
                                r -> r.operation() == Operation.RENAME
                                        && Mutants.under(r.paths().getFirst(), "/secret")),
                        "R-POL-4   vm1/data/hidden[0]/rename-out"),
                killed(
                        Mutants.allows("hidden: unlinkat of the hidden name", Mutants.op(Operation.REMOVE, "/secret")),
                        "R-POL-4   vm1/data/hidden[0]/remove-existing"),
                killed(
                        Mutants.refuses(
                                "quota scope: mkdir fails with EIO", Mutants.op(Operation.MKDIR, "/q"), Errno.EIO),
                        "R-POL-6   vm1/data/quota[0]/mkdir-scratch"),
                killed(
                        Mutants.refuses(
                                "quota scope: lcreate fails with EIO", Mutants.op(Operation.CREATE, "/q"), Errno.EIO),
                        "R-POL-6   vm1/data/quota[0]/bytes-over"),
                killed(
                        Mutants.records(
                                "audit: a refusal's rules left out (recorded as the default deny)",
                                e -> !e.decision().allowed()
                                                && !e.decision().ruleIds().isEmpty()
                                        ? Mutants.with(
                                                e,
                                                new Decision(
                                                        false,
                                                        e.decision().errno(),
                                                        List.of(),
                                                        e.decision().policyDigest(),
                                                        e.decision().hostIds()),
                                                e.outcome())
                                        : e),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        Mutants.noQuotaInStatfs("quota: Tstatfs shows the host's figures"),
                        "R-POL-6   vm1/data/quota[0]/statfs"),
                // Session 30: each passed every check until the probe or comparison named here was added.
                killed(
                        Mutants.statfs(
                                "quota: Tstatfs shows the total as available (df's Avail never drops)",
                                s -> new StatFs(
                                        s.type(),
                                        s.bsize(),
                                        s.blocks(),
                                        s.bfree(),
                                        s.blocks(),
                                        s.files(),
                                        s.ffree(),
                                        s.fsid(),
                                        s.namelen())),
                        "R-POL-6   vm1/data/quota[0]/bytes-limit"),
                killed(
                        Mutants.statfs(
                                "quota: Tstatfs shows the inode limit as free (the inodes used not taken off)",
                                s -> new StatFs(
                                        s.type(),
                                        s.bsize(),
                                        s.blocks(),
                                        s.bfree(),
                                        s.bavail(),
                                        s.files(),
                                        s.files(),
                                        s.fsid(),
                                        s.namelen())),
                        "R-POL-6   vm1/data/quota[0]/inodes-limit"),
                killed(
                        Mutants.statfs(
                                "quota: Tstatfs shows all ones (u64 max, \"unlimited\") free",
                                s -> new StatFs(
                                        s.type(),
                                        s.bsize(),
                                        s.blocks(),
                                        -1,
                                        -1,
                                        s.files(),
                                        s.ffree(),
                                        s.fsid(),
                                        s.namelen())),
                        "R-POL-6   vm1/data/quota[0]/statfs"),
                killed(
                        Mutants.appendsUncounted("quota: a write through an O_APPEND open not counted"),
                        "R-POL-6   vm1/data/quota[0]/bytes-append"),
                // Kinds no mutant had (session 30): an errno that reveals, an outcome recorded falsely, an answer
                // that is not what was recorded.
                killed(
                        new Mutants(
                                "hidden: a create over the hidden name refused with EEXIST (the host asked first)",
                                fired -> GatewayMutation.ofPolicy(p -> new Mutants.Deciding(
                                        p,
                                        Mutants.op(Operation.CREATE, "/secret"),
                                        d -> d.allowed() ? d : denied(d, Errno.EEXIST),
                                        fired))),
                        "R-POL-4   vm1/data/hidden[0]/create-new"),
                killed(
                        Mutants.records(
                                "audit: a host failure of an allowed request recorded as success",
                                e -> e.decision().allowed() && Mutants.errno(e) != null
                                        ? Mutants.with(e, e.decision(), Outcome.success(0))
                                        : e),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        Mutants.replies(
                                "answers: EACCES sent as EPERM (the record keeps EACCES)",
                                m -> m instanceof RMessage.Rlerror(Errno errno) && errno == Errno.EACCES
                                        ? new RMessage.Rlerror(Errno.EPERM)
                                        : m),
                        "R-POL-2   vm1/data/rule/rules.no-scripts/create-over-existing"),
                // Session 41: passed every check (the suite probed as guest root only) until read-only subtrees were
                // probed as a second guest user too.
                killed(
                        Mutants.allows(
                                "read-only: enforced for guest root only",
                                r -> r.uid() != 0 && r.paths().stream().anyMatch(p -> Mutants.under(p, "/ro"))),
                        "R-POL-3   vm1/data/read-only[0]/as-uid-1000/"),
                // Session 43: passed every check (hidden subtrees and deny rules were probed as guest root only) until
                // they were probed as the second guest user too.
                killed(
                        Mutants.allows(
                                "hidden: enforced for guest root only",
                                r -> r.uid() != 0 && r.paths().stream().anyMatch(p -> Mutants.under(p, "/secret"))),
                        "R-POL-4   vm1/data/hidden[0]/as-uid-1000/"),
                killed(
                        Mutants.allows(
                                "deny rule: enforced for guest root only",
                                r -> r.uid() != 0 && r.paths().stream().anyMatch(p -> p.endsWith(".sh"))),
                        "R-POL-2   vm1/data/rule/rules.no-scripts/as-uid-1000/"),
                // Session 41: each claim an operator reads into a pass, broken as a whole (caught by the checks there
                // were).
                killed(
                        Mutants.allows(
                                "read-only: the rule dropped (every request under /ro allowed)",
                                r -> r.paths().stream().anyMatch(p -> Mutants.under(p, "/ro"))),
                        "R-POL-3   vm1/data/read-only[0]/"),
                killed(
                        Mutants.allows(
                                "hidden: not listed, but every request under /secret allowed",
                                r -> r.paths().stream().anyMatch(p -> Mutants.under(p, "/secret"))),
                        "R-POL-4   vm1/data/hidden[0]/"),
                killed(
                        // The way back not taken: a guest is shown the host uid itself (200000 for guest 0).
                        Mutants.ids("ids: the host's uids shown", ids -> new ShiftedIds(ids, 0, HOST_BASE, 0)),
                        "R-POL-5   vm1/data/ids-existing"),
                killed(
                        Mutants.quotas(
                                "quota: not enforced (nothing counted)",
                                r -> true,
                                s -> Mutants.uncounted(s, true, true)),
                        "R-POL-6   vm1/data/quota[0]/"),
                killed(
                        Mutants.records(
                                "audit: refusals not recorded (allowed requests are)",
                                e -> e.decision().allowed() ? e : null),
                        "R-AUD-1   vm1/audit/records"),
                killed(
                        // No policy at all: every request let through and recorded as allowed.
                        Mutants.allows("no policy: every request allowed, and recorded so", r -> true),
                        "R-POL-4   vm1/data/hidden[0]/walk"),
                killed(
                        new Mutants(
                                "audit: no checkpoint signed after the log's open (records left unsigned)", fired -> {
                                    fired.incrementAndGet();
                                    return GatewayMutation.ofAuditOptions(o -> o.withCheckpointEvery(Duration.ZERO)
                                            .withCheckpointRecords(Integer.MAX_VALUE));
                                }),
                        "R-AUD-2   audit/checkpoint"));
    }

    private static Object[] killed(Mutants mutant, String check) {
        return new Object[] {mutant, check};
    }

    private static Decision allowed(Decision d) {
        return new Decision(true, null, d.ruleIds(), d.policyDigest(), d.hostIds());
    }

    private static Decision denied(Decision d, Errno errno) {
        return new Decision(false, errno, d.ruleIds(), d.policyDigest(), d.hostIds());
    }

    /** The control: the same harness without a mutation gives no FAIL, so each kill is the mutant's. */
    @Test
    void theFaithfulGatewayFailsNothing() throws Exception {
        SuiteRun run = SuiteRun.mutated(policy(tmp), tmp, GatewayMutation.NONE);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertEquals(SuiteReport.EXIT_PASSED, run.exitCode(), run::describe);
        assertTrue(run.out().contains("pass R-POL-6   vm1/data/quota[0]/bytes-truncate"), run::describe);
        assertTrue(run.out().contains("pass R-POL-6   vm1/data/quota[0]/bytes-rename-in"), run::describe);
        assertTrue(run.out().contains("pass R-POL-6   vm1/data/quota[0]/bytes-append"), run::describe);
        assertTrue(run.out().contains("pass R-POL-2   vm1/data/rule/rules.no-scripts/rename-in-new"), run::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutants")
    void theSuiteFailsTheMutant(Mutants mutant, String check) throws Exception {
        AtomicInteger fired = new AtomicInteger();
        SuiteRun run = SuiteRun.mutated(policy(tmp), tmp, mutant.build().apply(fired));
        System.out.println("mutant " + mutant.name() + ": changed " + fired.get() + " answers, suite exit "
                + run.exitCode() + ", " + run.lines("FAIL").size() + " FAIL: " + String.join(" | ", run.lines("FAIL")));
        assertTrue(fired.get() > 0, "the mutant never changed anything: " + mutant.name());
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(run.lines("FAIL").stream().anyMatch(l -> l.contains(check)), run::describe);
    }

    /** Shares seeded with what each probe needs, owned by the mapped host ids, and the policy over them. */
    static Path policy(Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.writeString(Files.createDirectories(data.resolve("ro/d")).resolve("f"), "read-only");
        Files.writeString(data.resolve("ro/g"), "read-only");
        Files.writeString(Files.createDirectories(data.resolve("secret")).resolve("s"), "hidden");
        Files.writeString(Files.createDirectories(data.resolve("cache")).resolve("run.sh"), "#!/bin/sh");
        Files.createDirectories(data.resolve("q"));
        Files.writeString(data.resolve("big"), "x".repeat(4096));
        Files.writeString(media.resolve("song"), "la");
        for (Path root : List.of(data, media)) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.toList()) {
                    Files.setAttribute(p, "unix:uid", HOST_BASE);
                    Files.setAttribute(p, "unix:gid", HOST_BASE);
                }
            }
        }
        return Files.writeString(dir.resolve("policy.yaml"), """
                image: mutants
                vms:
                  vm1:
                    listen: unix:%s
                    dialects: [9p2000.L]
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                      data:
                        path: %s
                        access: read-write
                        %5$s
                      media:
                        path: %6$s
                        access: read-only
                """.formatted(
                        dir.resolve("vm1.sock"),
                        HOST_BASE,
                        HOST_BASE,
                        data,
                        DATA_RULES.indent(8).strip(),
                        media));
    }

    /** The data share's read-only and hidden subtrees, deny rule and quota: the share lines below its path and access. */
    static final String DATA_RULES = """
            read-only: [/ro]
            hidden: [/secret]
            rules:
              - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE, RENAME], paths: ["/cache/**/*.sh"]}
            quotas:
              - {path: /q, bytes: 64KiB, inodes: 40}
            """;

    /** An id map off by one on the way to the host, or back to the guest. */
    private record ShiftedIds(IdTranslation ids, int toHost, int toGuest, int gidToHost) implements IdTranslation {
        @Override
        public int uidToHost(int guestUid) {
            return ids.uidToHost(guestUid) + toHost;
        }

        @Override
        public int gidToHost(int guestGid) {
            return ids.gidToHost(guestGid) + gidToHost;
        }

        @Override
        public int uidToGuest(int hostUid) {
            return ids.uidToGuest(hostUid) + toGuest;
        }

        @Override
        public int gidToGuest(int hostGid) {
            return ids.gidToGuest(hostGid);
        }

        @Override
        public boolean mayOwnUid(int guestUid) {
            return ids.mayOwnUid(guestUid);
        }

        @Override
        public boolean mayOwnGid(int guestGid) {
            return ids.mayOwnGid(guestGid);
        }

        @Override
        public boolean mapsHostUid(int hostUid) {
            return ids.mapsHostUid(hostUid);
        }

        @Override
        public boolean mapsHostGid(int hostGid) {
            return ids.mapsHostGid(hostGid);
        }

        @Override
        public int overflowUid() {
            return ids.overflowUid() + toGuest;
        }

        @Override
        public int overflowGid() {
            return ids.overflowGid();
        }
    }
}
