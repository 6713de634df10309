package io.p9gate.policy.model;

/** Who checks the host's permission bits in a share (docs/policy.md, "Who is the principal"). */
public enum HostPermissions {
    /**
     * The VM is the principal (the default): the policy is the access control, the gateway acts with its own
     * credentials and the guest kernel checks modes for its users.
     */
    GUEST,
    /**
     * For {@code access=user} mounts: every request acts on the host as the guest user's mapped uid/gid
     * (setfsuid/setfsgid on the worker thread), so host permissions decide as well as the policy.
     */
    ENFORCE
}
