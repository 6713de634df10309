package io.p9gate.gateway.arch.example.backend;

import io.p9gate.gateway.arch.example.ops.ReachesBackend;

/** A bad example for GatewayArchitectureTest: a backend that knows its caller, closing a package cycle. */
public final class HostDisk {
    public long size() {
        return new ReachesBackend().hashCode();
    }
}
