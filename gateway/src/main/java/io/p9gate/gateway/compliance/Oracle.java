package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyDecision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.model.DeviceNodes;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The policy file's answer to every request the suite sends, asked the way the gateway asks it
 * (docs/policy.md, "Operation kinds"): a walk asks WALK for each component it reaches and the first refusal
 * decides; a rename or link asks about both paths. The guest ids are the attach's uid, and the request's
 * gid for the requests that carry one (create, mkdir, symlink, mknod); 9P2000.L attach has no group, so
 * every other request asks with guest nobody's gid, 65534 (not the overflow id). A create the policy allows as an id the VM's map does not hold
 * is expected refused as the gateway refuses it after the decision (EOVERFLOW, rule {@code ids.unmapped-id}).
 */
final class Oracle {
    /** The gid of requests that name none (io.p9gate.gateway.fs.Subject#NOBODY). */
    static final long NO_GID = 65534;

    private final PolicyEngine engine;
    private final String vm;
    private final long uid;

    Oracle(PolicyEngine engine, String vm, long uid) {
        this.engine = engine;
        this.vm = vm;
        this.uid = uid;
    }

    PolicyEngine engine() {
        return engine;
    }

    String vm() {
        return vm;
    }

    Expected decide(String share, OpKind op, SharePath path) {
        return decide(share, op, path, null, NO_GID);
    }

    Expected decide(String share, OpKind op, SharePath path, SharePath destination, long gid) {
        PolicyDecision d = engine.decide(new DecisionRequest(vm, share, op, path, destination, uid, gid));
        if (!d.allowed()) {
            return Expected.deny(errno(d.errno()), d.ruleIds());
        }
        return unownable(share, op, gid) ? unmappedOwner(share) : Expected.allow(d.ruleIds());
    }

    /**
     * A Tmknod of a character or block device: what the policy decides for MKNOD, then, where it allows it, what
     * the share's {@code devices:} says (R-CONF-2): {@code refuse} is EPERM, rule {@code vm.V.share.S.devices}.
     */
    Expected device(String share, SharePath path, long gid) {
        Expected e = decide(share, OpKind.MKNOD, path, null, gid);
        SharePolicy policy = engine.policy().vms().get(vm).shares().get(share);
        if (!e.allowed() || policy == null || policy.devices() != DeviceNodes.REFUSE) {
            return e;
        }
        return Expected.deny(Errno.EPERM, List.of(policy.devicesRuleId()));
    }

    /**
     * Whether the gateway refuses this create after the policy allowed it: it would give the new entry an owner or
     * group the VM's map leaves to the overflow id (the gateway's fs.UnmappedOwners, docs/policy.md).
     */
    private boolean unownable(String share, OpKind op, long gid) {
        boolean creates = switch (op) {
            case CREATE, MKDIR, SYMLINK, MKNOD -> true;
            default -> false;
        };
        IdMap ids = engine.idMap(vm);
        return creates
                && engine.policy().vms().get(vm).shares().containsKey(share)
                && !(ids.uids().mayOwn(uid) && ids.gids().mayOwn(gid));
    }

    private Expected unmappedOwner(String share) {
        return Expected.deny(
                Errno.EOVERFLOW,
                List.of(engine.policy().vms().get(vm).shares().get(share).unmappedOwnerRuleId()));
    }

    /** Twalk from {@code from} through {@code names}: WALK on every path reached, the first refusal decides. */
    Expected walk(String share, SharePath from, List<String> names) {
        Set<String> allowedBy = new LinkedHashSet<>();
        for (SharePath reached : walkedPaths(from, names)) {
            Expected e = decide(share, OpKind.WALK, reached);
            if (!e.allowed()) {
                return e;
            }
            allowedBy.addAll(e.ruleIds());
        }
        return Expected.allow(new ArrayList<>(allowedBy));
    }

    /** Index of the first name of a Twalk the policy refuses (WALK on the path it reaches), or -1. */
    int walkRefusedAt(String share, SharePath from, List<String> names) {
        List<SharePath> reached = walkedPaths(from, names);
        for (int i = 0; i < reached.size(); i++) {
            if (!decide(share, OpKind.WALK, reached.get(i)).allowed()) {
                return i;
            }
        }
        return -1;
    }

    /** Whether a readdir may list {@code path} (hidden entries are left out). */
    boolean visible(String share, SharePath path) {
        return engine.visible(vm, share, path, uid, NO_GID);
    }

    /** Every path a walk passes through, resolved by name as the gateway does ("." stays, ".." never above "/"). */
    static List<SharePath> walkedPaths(SharePath from, List<String> names) {
        List<SharePath> out = new ArrayList<>();
        SharePath current = from;
        for (String name : names) {
            if (name.equals("..")) {
                current = current.depth() == 0 ? current : current.prefix(current.depth() - 1);
            } else if (!name.equals(".")) {
                current = current.child(name);
            }
            out.add(current);
        }
        return out.isEmpty() ? List.of(from) : out;
    }

    static SharePath walked(SharePath from, List<String> names) {
        return walkedPaths(from, names).getLast();
    }

    /** The policy names errnos; one this gateway does not know still means a refusal (EACCES), as PolicyAccess reads it. */
    static Errno errno(String name) {
        try {
            return Errno.valueOf(name);
        } catch (IllegalArgumentException e) {
            return Errno.EACCES;
        }
    }
}
