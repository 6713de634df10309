package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.HostIds;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.fs.ShareDir;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.session.IdentityInForce;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The gateway's {@link AccessPolicy} backed by the Cedar policy engine (R-POL-2): every file request
 * becomes one {@link DecisionRequest} per path for the VM the connection came from. The engine is
 * fetched once per request, so a reload (R-POL-7) applies from the next request on and no request
 * sees a mix of old and new rules; a request that asks more than one question (a rename: may it replace its
 * destination) asks them of one engine, {@link #pinned}.
 */
public final class PolicyAccess implements AccessPolicy {
    /** The rule id of requests that touch no file (Tauth, Tclunk): nothing for a policy to refuse. */
    static final List<String> SESSION_RULE = List.of("session");

    /**
     * A session's share whose directory the current policy no longer names (a reload moved it): EACCES, as a share a
     * reload took away is default deny.
     */
    static final List<String> SHARE_MOVED_RULE = List.of("share-moved");

    /**
     * A request of a connection the policy that decided it no longer takes for its VM (a reload revoked its
     * certificate, changed its {@code peer:}, gave its socket to another VM, removed the VM): EACCES, as a VM the
     * policy does not have is refused everything, until the pass after the reload closes the connection.
     */
    static final List<String> IDENTITY_REVOKED_RULE = List.of("identity-revoked");

    private final Supplier<PolicyEngine> engine;
    /** Share name to the host directory the session serves under it; null: not checked (decision tests). */
    private final Map<String, Path> served;
    /** Whether the session's connection is still its VM, asked after each decision. */
    private final IdentityInForce identity;

    /** Decides for any share, whatever directory it is served from: for tests of the decisions alone. */
    public PolicyAccess(Supplier<PolicyEngine> engine) {
        this.engine = engine;
        this.served = null;
        this.identity = IdentityInForce.LISTENER_IS_VM;
    }

    /**
     * Decides for one session, which serves {@code served}. Share directories are opened once, at start, and a
     * decision names its share by name only: after a reload that gives a share another directory, a session
     * attached before it still serves the old one, and the new rules (written for the new directory, e.g. without
     * the old one's hidden subtree) must not be applied to it. Every request on such a share is refused. The
     * connection's {@code identity} is asked after each decision: a reload may revoke it.
     */
    public PolicyAccess(Supplier<PolicyEngine> engine, List<ShareDir> served, IdentityInForce identity) {
        this(engine, served.stream().collect(Collectors.toUnmodifiableMap(ShareDir::name, ShareDir::path)), identity);
    }

    private PolicyAccess(Supplier<PolicyEngine> engine, Map<String, Path> served, IdentityInForce identity) {
        this.engine = engine;
        this.served = served;
        this.identity = identity;
    }

    /**
     * Answers every question with the engine current now (a rename's decision and whether it may replace its
     * destination): a reload meanwhile does not reach it.
     */
    @Override
    public AccessPolicy pinned() {
        PolicyEngine current = engine.get();
        return new PolicyAccess(() -> current, served, identity);
    }

    /**
     * The policy's decision, refused if the connection is no longer its VM. The identity is asked after the engine
     * decided: a decision by a policy swapped in since the connection was last identified then finds that policy (or
     * a later one) in force and has the connection identified again; asked first, a swap between the two would let
     * the new policy decide for an identity it revokes. Before, only serve's pass after the swap ended such a
     * connection, and a request decided meanwhile was served (identity.RequestBeforeReidentificationAttackTest).
     */
    @Override
    public Decision decide(AccessRequest request) {
        Decision decision = decideForTheVm(request);
        return identity.holds()
                ? decision
                : Decision.deny(Errno.EACCES, IDENTITY_REVOKED_RULE).by(decision.policyDigest(), decision.hostIds());
    }

    private Decision decideForTheVm(AccessRequest request) {
        PolicyEngine current = engine.get();
        List<OpKind> kinds = OpKindMapping.of(request);
        boolean single = kinds.size() == 1
                && request.paths().size() == 1
                && !kinds.getFirst().hasDestination();
        Asked before = last;
        if (single && before != null && before.asks(current, kinds.getFirst(), request)) {
            return before.decision();
        }
        // Audit records carry the digest of the policy that decided and the host ids it maps to.
        Decision decision = decideWith(current, kinds, request)
                .by(current.digest(), hostIds(current, request.vm(), request.uid(), request.gid()));
        if (single) {
            last = new Asked(
                    current,
                    kinds.getFirst(),
                    request.vm(),
                    request.share(),
                    request.paths().getFirst(),
                    request.uid(),
                    request.gid(),
                    decision);
        }
        return decision;
    }

    @Override
    public HostIds hostIds(String vm, int uid, int gid) {
        return hostIds(engine.get(), vm, uid, gid);
    }

    private static HostIds hostIds(PolicyEngine current, String vm, int uid, int gid) {
        IdMap ids = current.idMap(vm);
        long u = Integer.toUnsignedLong(uid);
        long g = Integer.toUnsignedLong(gid);
        return new HostIds((int) ids.uidToHost(u), (int) ids.gidToHost(g), ids.maps(u, g));
    }

    /**
     * The last one-question decision of this session: a Twrite or Tread after the one before on the same fid asks
     * the same question (issue 11). A decision depends on nothing but the engine and the question ({@link
     * DecisionRequest}: VM, share, kind, path, ids; an engine never changes, a reload makes a new one), so the same
     * question of the same engine is answered with the decision it had, without evaluating it again; the request is
     * still recorded with it. Written by whichever worker of the session decided last and read as a whole: another
     * session's or a stale one only misses.
     */
    private volatile Asked last;

    /** One question asked of {@code engine} (by identity) and its decision. */
    private record Asked(
            PolicyEngine engine,
            OpKind kind,
            String vm,
            String share,
            String path,
            int uid,
            int gid,
            Decision decision) {
        /** Whether {@code request}, asking {@code kind} of {@code now} about its one path, is this question. */
        boolean asks(PolicyEngine now, OpKind kind, AccessRequest request) {
            return now == engine
                    && kind == this.kind
                    && request.uid() == uid
                    && request.gid() == gid
                    && request.paths().getFirst().equals(path)
                    && request.share().equals(share)
                    && request.vm().equals(vm);
        }
    }

    private Decision decideWith(PolicyEngine current, List<OpKind> kinds, AccessRequest request) {
        if (kinds.isEmpty()) {
            return Decision.allow(SESSION_RULE);
        }
        if (!servesItsDirectory(current, request.vm(), request.share())) {
            return Decision.deny(Errno.EACCES, SHARE_MOVED_RULE);
        }
        if (request.paths().isEmpty()) {
            return Decision.deny(Errno.EACCES, List.of());
        }
        if (kinds.size() == 1
                && (request.paths().size() == 1 || kinds.getFirst().hasDestination())) {
            // The usual request asks one question (getattr, read, write, open...): its answer is the decision, with
            // no set of rule ids to merge.
            OpKind op = kinds.getFirst();
            SharePath path = policyPath(request.paths().getFirst());
            return translate(current.decide(question(
                    request,
                    op,
                    path,
                    op.hasDestination() ? policyPath(request.paths().getLast()) : null)));
        }
        return decideEach(current, kinds, request);
    }

    /**
     * Every question the request asks (each kind, each component a walk reaches) must be allowed: the first refused
     * one decides. A path's policy form is made once, when first asked about, for all kinds (a Tlcreate without
     * O_EXCL asks CREATE and the open of the same path). Apart from {@link #decideWith}, which the JIT then inlines
     * whole for the one-question requests.
     */
    private static Decision decideEach(PolicyEngine current, List<OpKind> kinds, AccessRequest request) {
        SharePath[] asked = new SharePath[request.paths().size()];
        int last = asked.length - 1;
        Set<String> allowedBy = new LinkedHashSet<>();
        for (OpKind op : kinds) {
            for (int p = 0, n = op.hasDestination() ? 1 : asked.length; p < n; p++) {
                io.p9gate.policy.PolicyDecision d = current.decide(question(
                        request,
                        op,
                        policyPath(request, asked, p),
                        op.hasDestination() ? policyPath(request, asked, last) : null));
                if (!d.allowed()) {
                    return translate(d);
                }
                allowedBy.addAll(d.ruleIds());
            }
        }
        return Decision.allow(List.copyOf(allowedBy));
    }

    /**
     * The question about {@code path}: with source and destination for a rename or link (the request's first and
     * last paths; a rename also says whether it moves a directory), else about that one path (one per component a
     * walk reaches). {@code destination}: the request's last path in the policy's form for a rename or link, else null.
     */
    private static DecisionRequest question(AccessRequest request, OpKind op, SharePath path, SharePath destination) {
        return new DecisionRequest(
                request.vm(),
                request.share(),
                op,
                path,
                destination,
                Integer.toUnsignedLong(request.uid()),
                Integer.toUnsignedLong(request.gid()),
                op == OpKind.RENAME && request.args() instanceof RequestArgs.EntryNames names && names.directory());
    }

    /**
     * Whether {@code share} is served from the directory {@code current} gives it (always, without a session's
     * shares). A share the policy no longer has at all is left to the engine, which denies it by default.
     */
    private boolean servesItsDirectory(PolicyEngine current, String vm, String share) {
        if (served == null) {
            return true;
        }
        VmPolicy policy = current.policy().vms().get(vm);
        SharePolicy now = policy == null ? null : policy.shares().get(share);
        return now == null || now.hostDir().equals(served.get(share));
    }

    /**
     * Readdir leaves out entries the VM may not know exist (hidden subtrees, R-POL-4). Ids are u32 on the wire: as
     * for the id map, 4294967294 is that number to Cedar, never -2.
     */
    @Override
    public boolean visible(String vm, String share, String path, int uid, int gid) {
        PolicyEngine current = engine.get();
        return servesItsDirectory(current, vm, share)
                && current.visible(
                        vm, share, policyPath(path), Integer.toUnsignedLong(uid), Integer.toUnsignedLong(gid));
    }

    @Override
    public List<String> hiddenNamesIn(String vm, String share, String dir) {
        return engine.get().hiddenNamesIn(vm, share, policyPath(dir));
    }

    @Override
    public boolean hidesNamesIn(String vm, String share) {
        return engine.get().hidesNamesIn(vm, share);
    }

    @Override
    public boolean decidesByPath(String vm, String share) {
        return engine.get().decidesByPath(vm, share);
    }

    @Override
    public boolean replaceable(String vm, String share, String path, int uid, int gid) {
        PolicyEngine current = engine.get();
        return servesItsDirectory(current, vm, share) && allowed(current, vm, share, OpKind.REMOVE, path, uid, gid);
    }

    /** A 9P2000.L guest sees an entry's attributes only by walking to it and getting them: both must be allowed. */
    @Override
    public boolean describable(String vm, String share, String path, int uid, int gid) {
        PolicyEngine current = engine.get();
        return servesItsDirectory(current, vm, share)
                && allowed(current, vm, share, OpKind.WALK, path, uid, gid)
                && allowed(current, vm, share, OpKind.GETATTR, path, uid, gid);
    }

    /**
     * One question per entry of a describing listing: WALK once (hidden if refused with ENOENT, as {@link #visible}
     * says; the name only if refused otherwise), then GETATTR only for a walkable entry. Asking {@link #visible} and
     * {@link #describable} apart evaluated WALK twice. Two evaluations stay the least for a described entry: WALK's
     * verdict says whether it is hidden, and hand-written Cedar may refuse GETATTR where it allows WALK.
     */
    @Override
    public Shown shown(String vm, String share, String path, int uid, int gid) {
        PolicyEngine current = engine.get();
        if (!servesItsDirectory(current, vm, share)) {
            return Shown.HIDDEN;
        }
        io.p9gate.policy.PolicyDecision walk = current.decide(new DecisionRequest(
                vm,
                share,
                OpKind.WALK,
                policyPath(path),
                null,
                Integer.toUnsignedLong(uid),
                Integer.toUnsignedLong(gid)));
        if (!walk.allowed()) {
            return errno(walk.errno()) == Errno.ENOENT ? Shown.HIDDEN : Shown.NAME_ONLY;
        }
        return allowed(current, vm, share, OpKind.GETATTR, path, uid, gid) ? Shown.DESCRIBED : Shown.NAME_ONLY;
    }

    private static boolean allowed(
            PolicyEngine current, String vm, String share, OpKind op, String path, int uid, int gid) {
        return current.decide(new DecisionRequest(
                        vm,
                        share,
                        op,
                        policyPath(path),
                        null,
                        Integer.toUnsignedLong(uid),
                        Integer.toUnsignedLong(gid)))
                .allowed();
    }

    private static Decision translate(io.p9gate.policy.PolicyDecision d) {
        return d.allowed() ? Decision.allow(d.ruleIds()) : Decision.deny(errno(d.errno()), d.ruleIds());
    }

    /** The policy names errnos; one the gateway does not know still refuses (EACCES). */
    static Errno errno(String name) {
        try {
            return Errno.valueOf(name);
        } catch (IllegalArgumentException e) {
            return Errno.EACCES;
        }
    }

    /** The policy form of the request's path {@code p}, made on first use and kept in {@code asked}. */
    private static SharePath policyPath(AccessRequest request, SharePath[] asked, int p) {
        if (asked[p] == null) {
            asked[p] = policyPath(request.paths().get(p));
        }
        return asked[p];
    }

    /** Gateway paths are "" for the root and "a/b" below it; the policy's are "/" and "/a/b". */
    static SharePath policyPath(String gatewayPath) {
        return gatewayPath.isEmpty() ? SharePath.ROOT : SharePath.of("/" + gatewayPath);
    }
}
