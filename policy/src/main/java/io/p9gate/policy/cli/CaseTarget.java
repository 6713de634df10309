package io.p9gate.policy.cli;

import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.SharePath;
import java.io.Serial;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * Where a test case's path lies in the policy: a share of the case's VM and the share-relative path. A case
 * that names a VM or share the policy does not have, or a host path outside every share of its VM, is an
 * error: its deny would otherwise pass for the wrong reason (default deny of a typo). The compliance suite
 * places the cases it replays against a running gateway the same way.
 */
public record CaseTarget(String share, SharePath path) {

    /** Why a case cannot be run against the policy; its message is the one line shown. */
    public static final class Unplaceable extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        Unplaceable(String message) {
            super(message);
        }
    }

    public static VmPolicy vm(PolicyFile policy, String vm) throws Unplaceable {
        VmPolicy v = policy.vms().get(vm);
        if (v == null) {
            throw new Unplaceable("VM '" + vm + "' is not in the policy (VMs: "
                    + String.join(", ", policy.vms().keySet()) + ")");
        }
        return v;
    }

    /**
     * With a share, {@code path} is share-relative and normalised ("/", "/a/b"); without, it is a host path and
     * names the share whose directory holds it (the deepest, if shares nest).
     */
    public static CaseTarget place(PolicyFile policy, String vm, String share, String path) throws Unplaceable {
        VmPolicy v = vm(policy, vm);
        if (share != null) {
            if (!v.shares().containsKey(share)) {
                throw new Unplaceable("VM '" + vm + "' has no share '" + share + "' (shares: "
                        + String.join(", ", v.shares().keySet()) + ")");
            }
            try {
                return new CaseTarget(share, SharePath.of(path));
            } catch (IllegalArgumentException e) {
                throw new Unplaceable(e.getMessage());
            }
        }
        Path host;
        try {
            host = Path.of(path);
        } catch (InvalidPathException e) {
            throw new Unplaceable("not a path: " + path);
        }
        if (!host.isAbsolute() || !host.normalize().equals(host)) {
            throw new Unplaceable("without share: the path must be an absolute, normalised host path, not " + path);
        }
        SharePolicy holder = v.shares().values().stream()
                .filter(s -> host.startsWith(s.hostDir()))
                .max(Comparator.comparingInt(s -> s.hostDir().getNameCount()))
                .orElseThrow(() -> new Unplaceable(path + " lies outside every share of VM '" + vm
                        + "' (give share: NAME for a share-relative path)"));
        Path rel = holder.hostDir().relativize(host);
        return new CaseTarget(holder.name(), rel.toString().isEmpty() ? SharePath.ROOT : SharePath.of("/" + rel));
    }

    @Override
    public String toString() {
        return share + ":" + path;
    }
}
