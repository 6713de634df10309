package io.p9gate.gateway.arch.example.fs;

/** A bad example for GatewayArchitectureTest: a guard helper, no request group, that hands a request to the choke point. */
public final class SideDoor {
    public int serve(ChokePoint guard, String path) {
        return guard.inspect(path);
    }
}
