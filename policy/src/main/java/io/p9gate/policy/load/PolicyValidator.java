package io.p9gate.policy.load;

import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.protect.ShareReach;
import io.p9gate.policy.protect.StatePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks across the whole file that a parser cannot make locally: the transport can tell every VM apart
 * ({@link ListenerConflicts}), and no
 * share is, contains or lies inside the gateway's own configuration, keys or audit log, by path, symlink or
 * bind mount (R-POL-9, {@link ShareReach}). The gateway adds the state only it knows (the audit key and
 * directory it was started with) through {@link #checkShares}.
 */
public final class PolicyValidator {

    private PolicyValidator() {}

    public static void validate(PolicyFile policy) throws PolicyLoadException {
        ListenerConflicts.check(policy);
        checkShares(policy, declaredState(policy));
    }

    private static void checkNotProtected(SharePolicy share, ShareReach reach, List<StatePath> state)
            throws PolicyLoadException {
        for (StatePath prot : state) {
            Optional<String> how = reach.of(share.hostDir(), prot);
            if (how.isPresent()) {
                throw new PolicyLoadException(share.pos(), shareRefusal(share, how.get()));
            }
        }
    }

    /** The one line that refuses a share reaching gateway state: it names the share and the file (R-POL-9). */
    public static String shareRefusal(SharePolicy share, String how) {
        return "share '" + share.name() + "' of VM '" + share.vm() + "' (" + share.hostDir() + ") " + how
                + " (R-POL-9)";
    }

    /**
     * What this file itself says is gateway state: itself, its Cedar files, its {@code protect:} paths, the VMs'
     * TLS trust files and Unix sockets.
     */
    public static List<StatePath> declaredState(PolicyFile policy) {
        List<StatePath> out = new ArrayList<>();
        for (var e : policy.protectedPaths().labelled()) out.add(new StatePath(e.getKey(), e.getValue()));
        for (Path c : policy.cedarFiles()) out.add(new StatePath("Cedar policy file", c));
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.Tls tls) {
                for (Path f : tls.client().files())
                    out.add(new StatePath("TLS trust file of VM '" + vm.id() + "'", f, vm.pos()));
            }
            // The socket is the VM's identity: a share holding it lets that share's guest unlink or replace it.
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                out.add(new StatePath("socket of VM '" + vm.id() + "'", unix.path(), vm.pos()));
            }
        }
        return out;
    }

    /**
     * Refuses the policy if any of its shares reaches any of {@code state} (R-POL-9), or if a state file has
     * another name (a hard link) that a share could hold: at the line that names the file, or the policy's first
     * line when none does (the policy file itself, state the gateway was given on its command line).
     */
    public static void checkShares(PolicyFile policy, List<StatePath> state) throws PolicyLoadException {
        for (StatePath s : state) {
            Optional<String> linked = ShareReach.hardLinks(s);
            if (linked.isPresent()) {
                SourcePos at = s.declared() != null ? s.declared() : new SourcePos(policy.source(), 1, 1);
                throw new PolicyLoadException(at, linked.get() + " (R-POL-9)");
            }
        }
        ShareReach reach = ShareReach.now();
        for (VmPolicy vm : policy.vms().values()) {
            for (SharePolicy share : vm.shares().values()) checkNotProtected(share, reach, state);
        }
    }
}
