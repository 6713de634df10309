package io.p9gate.policy.model;

/**
 * A share's baseline before rules: NONE grants nothing (only explicit allow rules do), READ_ONLY grants
 * every read kind and refuses writes with EROFS, READ_WRITE grants every kind.
 */
public enum Access {
    NONE,
    READ_ONLY,
    READ_WRITE
}
