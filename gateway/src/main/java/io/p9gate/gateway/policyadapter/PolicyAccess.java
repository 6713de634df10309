package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.HostIds;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The gateway's {@link AccessPolicy} backed by the Cedar policy engine (R-POL-2): every file request
 * becomes one {@link DecisionRequest} per path for the VM the connection came from. The engine is
 * fetched once per request, so a reload (R-POL-7) applies from the next request on and no request
 * sees a mix of old and new rules.
 */
public final class PolicyAccess implements AccessPolicy {
    /** The rule id of requests that touch no file (Tauth, Tclunk): nothing for a policy to refuse. */
    static final List<String> SESSION_RULE = List.of("session");

    private final Supplier<PolicyEngine> engine;

    public PolicyAccess(Supplier<PolicyEngine> engine) {
        this.engine = engine;
    }

    @Override
    public Decision decide(AccessRequest request) {
        PolicyEngine current = engine.get();
        IdMap ids = current.idMap(request.vm());
        // Audit records carry the digest of the policy that decided and the host ids it maps to.
        return decideWith(current, request)
                .by(current.digest(), new HostIds((int) ids.uidToHost(Integer.toUnsignedLong(request.uid())), (int)
                        ids.gidToHost(Integer.toUnsignedLong(request.gid()))));
    }

    private static Decision decideWith(PolicyEngine current, AccessRequest request) {
        List<OpKind> kinds = OpKindMapping.of(request);
        if (kinds.isEmpty()) {
            return Decision.allow(SESSION_RULE);
        }
        if (request.paths().isEmpty()) {
            return Decision.deny(Errno.EACCES, List.of());
        }
        if (kinds.size() == 1
                && (request.paths().size() == 1 || kinds.getFirst().hasDestination())) {
            // The usual request asks one question (getattr, read, write, open...): its answer is the decision, with
            // no set of rule ids to merge.
            return translate(current.decide(
                    question(request, kinds.getFirst(), request.paths().getFirst())));
        }
        // Every question the request asks (each kind, each component a walk reaches) must be allowed: the first
        // refused one decides.
        Set<String> allowedBy = new LinkedHashSet<>();
        for (OpKind op : kinds) {
            for (String path : op.hasDestination() ? request.paths().subList(0, 1) : request.paths()) {
                io.p9gate.policy.PolicyDecision d = current.decide(question(request, op, path));
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
     * last paths), else about that one path (one per component a walk reaches).
     */
    private static DecisionRequest question(AccessRequest request, OpKind op, String path) {
        return new DecisionRequest(
                request.vm(),
                request.share(),
                op,
                policyPath(path),
                op.hasDestination() ? policyPath(request.paths().getLast()) : null,
                Integer.toUnsignedLong(request.uid()),
                Integer.toUnsignedLong(request.gid()));
    }

    /**
     * Readdir leaves out entries the VM may not know exist (hidden subtrees, R-POL-4). Ids are u32 on the wire: as
     * for the id map, 4294967294 is that number to Cedar, never -2.
     */
    @Override
    public boolean visible(String vm, String share, String path, int uid, int gid) {
        return engine.get()
                .visible(vm, share, policyPath(path), Integer.toUnsignedLong(uid), Integer.toUnsignedLong(gid));
    }

    @Override
    public boolean replaceable(String vm, String share, String path, int uid, int gid) {
        return allowed(engine.get(), vm, share, OpKind.REMOVE, path, uid, gid);
    }

    /** A 9P2000.L guest sees an entry's attributes only by walking to it and getting them: both must be allowed. */
    @Override
    public boolean describable(String vm, String share, String path, int uid, int gid) {
        PolicyEngine current = engine.get();
        return allowed(current, vm, share, OpKind.WALK, path, uid, gid)
                && allowed(current, vm, share, OpKind.GETATTR, path, uid, gid);
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

    /** Gateway paths are "" for the root and "a/b" below it; the policy's are "/" and "/a/b". */
    static SharePath policyPath(String gatewayPath) {
        return gatewayPath.isEmpty() ? SharePath.ROOT : SharePath.of("/" + gatewayPath);
    }
}
