package io.p9gate.gateway.fs;

import java.util.List;

/** A test policy that allows every request (rule "test") and answers its other questions as a subclass says. */
abstract class AllowingPolicy implements AccessPolicy {
    @Override
    public Decision decide(AccessRequest request) {
        return Decision.allow(List.of("test"));
    }
}
