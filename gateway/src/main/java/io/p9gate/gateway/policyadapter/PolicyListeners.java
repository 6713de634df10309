package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.ListenerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The listeners a policy names, one per VM, as the gateway opens them (R-DEP-1). */
public final class PolicyListeners {
    private PolicyListeners() {
    }

    /**
     * @throws IllegalArgumentException naming the VM whose listener this gateway cannot open yet
     *                                  (vsock), or if the policy has no VM at all
     */
    public static List<ListenSpec> of(PolicyEngine engine) {
        List<ListenSpec> out = new ArrayList<>();
        for (Map.Entry<String, ListenerSpec> e : engine.listeners().entrySet()) {
            out.add(switch (e.getValue()) {
                case ListenerSpec.UnixSocket unix -> new ListenSpec.Unix(unix.path());
                case ListenerSpec.Vsock vsock -> throw new IllegalArgumentException("VM '" + e.getKey()
                        + "': " + vsock.describe() + " listeners are not supported yet; use unix:PATH");
            });
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the policy names no VM, so there is nothing to listen for");
        }
        return out;
    }
}
