package io.p9gate.gateway.fs;

import java.util.List;

/** Allows everything: the development stand-in until the policy engine is plugged in. */
public final class AllowAll implements AccessPolicy {
    private static final Decision ALLOW = Decision.allow(List.of("allow-all"));

    @Override
    public Decision decide(AccessRequest request) {
        return ALLOW;
    }

    @Override
    public boolean decidesByPath(String vm, String share) {
        return false;
    }
}
