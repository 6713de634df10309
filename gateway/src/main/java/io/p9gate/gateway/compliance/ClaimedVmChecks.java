package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The VM is its transport, never what a request says (R-DEP-1): on a new connection of this VM's listener, a Tattach
 * of another VM's share whose uname names that VM is refused as any foreign share is. It is the connection's first
 * request, where a gateway taking the VM from 9P would bind the session. The suite's other attaches all say
 * "p9gate-compliance", which names no VM: a gateway that made a session the VM its uname names passed them all
 * (UnameIdentityComplianceTest).
 */
final class ClaimedVmChecks {
    private static final int MSIZE = 8192;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int FID = 1;

    private final CheckLog log;
    private final VmTransport transport;
    private final VmPolicy vm;
    private final int uid;

    ClaimedVmChecks(CheckLog log, VmTransport transport, VmPolicy vm, int uid) {
        this.log = log;
        this.transport = transport;
        this.vm = vm;
        this.uid = uid;
    }

    /** One check per share of each other VM (a name this VM's own share has too is its own to attach). */
    void run(Collection<VmPolicy> vms) {
        for (VmPolicy other : vms) {
            if (other.id().equals(vm.id())) {
                continue;
            }
            for (String share : other.shares().keySet()) {
                if (!vm.shares().containsKey(share)) {
                    claim(other.id(), share);
                }
            }
        }
    }

    private void claim(String other, String share) {
        String request = "new connection; Tattach aname=\"" + share + "\" uname=\"" + other + "\" n_uname=" + uid;
        Status status;
        String seen;
        String message = "";
        try (P9Client c = transport.connect(MSIZE)) {
            c.timeout(TIMEOUT);
            c.version(MSIZE, P9Client.VERSION);
            try {
                c.attach(FID, other, share, uid);
                c.clunk(FID);
                status = Status.FAILED;
                seen = "attached";
                message = "the gateway took " + vm.id() + "'s connection for " + other
                        + " by Tattach's uname: the VM must come from the transport";
            } catch (P9Exception e) {
                seen = "Rlerror " + e.errno();
                boolean refused = e.errno() == Errno.ENOENT || e.errno() == Errno.EACCES;
                status = refused ? Status.PASSED : Status.FAILED;
                message = refused ? "" : "refused with " + e.errno() + ", not ENOENT or EACCES";
            }
        } catch (IOException | P9Exception e) {
            status = Status.FAILED;
            seen = "error";
            message = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        log.add(new CheckResult(
                vm.id() + "/attach-refused/" + share + "/uname-" + other,
                vm.id(),
                null,
                "R-DEP-1",
                "Tattach of " + other + "'s share " + share + " claiming to be " + other
                        + " in uname is refused (the VM is the listener)",
                status,
                request,
                "Rlerror ENOENT or EACCES",
                seen,
                message,
                List.of()));
    }
}
