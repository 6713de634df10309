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
        // Every question the request asks (each kind, each component a walk reaches) must be allowed: the first
        // refused one decides.
        Set<String> allowedBy = new LinkedHashSet<>();
        for (OpKind op : kinds) {
            for (DecisionRequest question : questions(request, op)) {
                io.p9gate.policy.PolicyDecision d = current.decide(question);
                if (!d.allowed()) {
                    return translate(d);
                }
                allowedBy.addAll(d.ruleIds());
            }
        }
        return Decision.allow(List.copyOf(allowedBy));
    }

    /** One question with source and destination (rename, link), else one per path (a walk's components). */
    private static List<DecisionRequest> questions(AccessRequest request, OpKind op) {
        long uid = Integer.toUnsignedLong(request.uid());
        long gid = Integer.toUnsignedLong(request.gid());
        if (op.hasDestination()) {
            return List.of(new DecisionRequest(
                    request.vm(),
                    request.share(),
                    op,
                    policyPath(request.paths().getFirst()),
                    policyPath(request.paths().getLast()),
                    uid,
                    gid));
        }
        return request.paths().stream()
                .map(path -> new DecisionRequest(request.vm(), request.share(), op, policyPath(path), null, uid, gid))
                .toList();
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
        return engine.get()
                .decide(new DecisionRequest(
                        vm,
                        share,
                        OpKind.REMOVE,
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
