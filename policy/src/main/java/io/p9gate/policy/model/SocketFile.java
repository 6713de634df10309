package io.p9gate.policy.model;

/**
 * The file of a VM's Unix socket: who may connect to it (R-DEP-1). {@code owner} and {@code group} are user
 * and group names or numeric ids as written in the policy, resolved on the host that serves (the build host
 * may not know the ECU's users); null keeps the gateway's own.
 *
 * @param mode permission bits, at most 0777 (the hypervisor needs read and write)
 */
public record SocketFile(String owner, String group, int mode) {
    /** The gateway's user and group, 0660: the hypervisor runs as that user or in that group. */
    public static final SocketFile DEFAULT = new SocketFile(null, null, 0660);

    public SocketFile {
        if (mode < 0 || mode > 0777)
            throw new IllegalArgumentException(
                    "socket mode must be between 0 and 0777: " + Integer.toOctalString(mode));
    }

    public String describe() {
        return "owner " + (owner == null ? "(gateway)" : owner) + ", group " + (group == null ? "(gateway)" : group)
                + ", mode 0" + Integer.toOctalString(mode);
    }
}
