package io.p9gate.policy.arch.example.a;

import io.netty.example.StandInChannel;
import io.p9gate.policy.arch.example.b.Second;

/** A bad example for PolicyArchitectureTest: half of a package cycle, and a user of a Netty type. */
public final class First {
    public Object next() {
        return new Second();
    }

    public Object transport() {
        return new StandInChannel();
    }
}
