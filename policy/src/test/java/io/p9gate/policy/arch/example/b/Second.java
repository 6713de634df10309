package io.p9gate.policy.arch.example.b;

import io.p9gate.policy.arch.example.a.First;

/** A bad example for PolicyArchitectureTest: the other half of a package cycle. */
public final class Second {
    public Object back() {
        return new First();
    }
}
