package io.p9gate.audit.arch.example.b;

import io.p9gate.audit.arch.example.a.First;

/** A bad example for AuditArchitectureTest: the other half of a package cycle. */
public final class Second {
    public Object back() {
        return new First();
    }
}
