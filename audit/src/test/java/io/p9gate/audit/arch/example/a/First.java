package io.p9gate.audit.arch.example.a;

import com.cedarpolicy.example.StandInAuthorizer;
import io.netty.example.StandInChannel;
import io.p9gate.audit.arch.example.b.Second;

/** A bad example for AuditArchitectureTest: half of a package cycle, and a user of Netty and Cedar types. */
public final class First {
    public Object next() {
        return new Second();
    }

    public Object transport() {
        return new StandInChannel();
    }

    public Object authorizer() {
        return new StandInAuthorizer();
    }
}
