package io.p9gate.gateway.arch.example.tools;

/** A bad example for GatewayArchitectureTest: a program of its own inside the gateway, outside its CLI. */
public final class ShippedTool {
    private ShippedTool() {}

    public static void main(String[] args) {
        System.out.println(args.length);
    }
}
