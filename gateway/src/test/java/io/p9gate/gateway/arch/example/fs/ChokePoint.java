package io.p9gate.gateway.arch.example.fs;

/** A bad example for GatewayArchitectureTest: the stand-in choke point that {@link SideDoor} calls. */
public final class ChokePoint {
    public int inspect(String path) {
        return path.length();
    }
}
