package io.p9gate.policy.load;

import io.p9gate.policy.model.SourcePos;

/**
 * A uid/gid map case of a policy test file (R-POL-5): the id {@code id} of kind {@code kind} maps to {@code expect}
 * for the VM, e.g. {@code {vm: v, guest-uid: 0, expect: 200000}} (what a file created as guest root is owned by on
 * the host) or {@code {vm: v, host-uid: 0, expect: 4294967294}} (what the VM is shown for a host-root file: the overflow id).
 */
public record IdTestCase(String name, String vm, Kind kind, long id, long expect, SourcePos pos) {
    /** Which id is given, and so which way it is mapped. */
    public enum Kind {
        GUEST_UID("guest-uid", "guest uid", "host uid"),
        GUEST_GID("guest-gid", "guest gid", "host gid"),
        HOST_UID("host-uid", "host uid", "guest uid"),
        HOST_GID("host-gid", "host gid", "guest gid");

        public final String key;
        public final String from;
        public final String to;

        Kind(String key, String from, String to) {
            this.key = key;
            this.from = from;
            this.to = to;
        }
    }
}
