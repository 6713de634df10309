package io.p9gate.gateway.arch.example.ops;

import io.p9gate.gateway.arch.example.backend.HostDisk;

/** A bad example for GatewayArchitectureTest: an operation that goes to the backend around the guard. */
public final class ReachesBackend {
    public long size(HostDisk disk) {
        return disk.size();
    }
}
