package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.PolicyCheck;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SocketFile;
import io.p9gate.policy.model.VmPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * A VM socket's {@code socket:} (owner, group, mode) is given to the file when the socket is bound, at start; a
 * reload cannot change the file. A reload that changed it was taken all the same, and the socket kept what it had:
 * an operator who tightened a socket every user could connect to saw the reload succeed while the socket stayed
 * open. Such a reload is refused, saying to restart; the first check (the start) only learns the sockets.
 */
public final class BoundSocketFiles implements PolicyCheck {
    /** The socket file each Unix listener was bound with, by its path as the policy names it; empty before start. */
    private final Map<String, SocketFile> bound = new HashMap<>();

    private boolean started;

    @Override
    public synchronized void check(PolicyFile policy) throws PolicyLoadException {
        boolean start = !started;
        started = true;
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                if (start) {
                    bound.put(unix.bindKey(), unix.socket());
                    continue;
                }
                SocketFile now = bound.get(unix.bindKey());
                if (now != null && !now.equals(unix.socket())) {
                    throw new PolicyLoadException(
                            vm.pos(),
                            "VM '" + vm.id() + "' socket: " + unix.socket().describe() + " differs from the socket "
                                    + unix.path() + " has (" + now.describe() + "): a socket's owner, group and mode"
                                    + " are set when it is bound; restart the gateway to change them");
                }
            }
        }
    }
}
