package io.p9gate.gateway.arch.example.ops;

import io.p9gate.gateway.arch.example.backend.HostDisk;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;

/** A bad example for GatewayArchitectureTest: an operation that goes around the guard to the backend and the policy. */
public final class ReachesBackend {
    public boolean allowed(AccessPolicy policy, AccessRequest request) {
        return policy.decide(request).allowed();
    }

    public long size(HostDisk disk) {
        return disk.size();
    }
}
