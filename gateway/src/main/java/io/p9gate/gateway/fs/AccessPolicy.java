package io.p9gate.gateway.fs;

/** Decides every guest request before the backend is touched (R-POL-2). Must be thread-safe. */
@FunctionalInterface
public interface AccessPolicy {
    Decision decide(AccessRequest request);
}
