package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.HostProcess;
import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyValidator;
import io.p9gate.policy.model.HostPermissions;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.protect.StatePath;
import java.util.List;
import java.util.Optional;

/**
 * What the gateway checks of a policy it is about to serve, at start and at every reload, beyond what the file
 * can say about itself: no share reaches the state this gateway was started with (its audit key and public key,
 * audit directory, pid file; R-POL-9, whatever {@code protect:} says), and a share with
 * {@code permissions: enforce} can really be enforced by this process.
 */
public final class ServedPolicyCheck implements PolicyCheck {
    private final List<StatePath> state;
    private final OwnershipMode ownership;
    private final HostProcess host;

    /**
     * @param state the gateway's own files and directories, beside the policy's
     * @param host  the process that will serve the policy (asked at every check: a reload asks again)
     */
    public ServedPolicyCheck(List<StatePath> state, OwnershipMode ownership, HostProcess host) {
        this.state = List.copyOf(state);
        this.ownership = ownership;
        this.host = host;
    }

    @Override
    public void check(PolicyFile policy) throws PolicyLoadException {
        PolicyValidator.checkShares(policy, state);
        for (VmPolicy vm : policy.vms().values()) {
            for (SharePolicy share : vm.shares().values()) {
                if (share.permissions() == HostPermissions.ENFORCE) {
                    checkEnforceable(share);
                }
            }
        }
    }

    private void checkEnforceable(SharePolicy share) throws PolicyLoadException {
        String which = "share '" + share.name() + "' of VM '" + share.vm() + "': permissions: enforce";
        if (ownership == OwnershipMode.XATTR) {
            throw new PolicyLoadException(
                    share.pos(),
                    which + " checks the owners and modes of host inodes, but "
                            + "--ownership xattr keeps the guests' in xattrs; use --ownership chown");
        }
        Optional<String> why = host.whyItCannotActAsGuests();
        if (why.isPresent()) {
            throw new PolicyLoadException(share.pos(), which + " cannot be enforced: " + why.get());
        }
    }
}
