package io.p9gate.gateway.fs;

/**
 * Who acts, as the guest states it (n_uname at attach, the request's gid where one is sent).
 * The policy maps these guest ids to host ids later (R-POL-5).
 */
public record Subject(int uid, int gid) {
    /**
     * Guest nobody: who acts for a guest that names no numeric user, and the gid of requests naming none. Not the
     * overflow id a file the map does not cover shows as (docs/policy.md).
     */
    public static final int NOBODY = 65534;
}
