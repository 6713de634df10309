package io.p9gate.policy.model;

/** What a rule does when it matches. */
public enum Effect {
    ALLOW,
    DENY
}
