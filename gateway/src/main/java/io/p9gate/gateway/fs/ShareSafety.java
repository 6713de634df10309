package io.p9gate.gateway.fs;

/**
 * Per-share settings that keep the host safe from guest requests, asked on every request so a policy reload
 * applies at once: what a guest's device node becomes (R-CONF-2) and whether host permissions are checked as
 * the guest user (docs/policy.md, "Who is the principal").
 */
@FunctionalInterface
public interface ShareSafety {
    /**
     * @param mapsDevices         Tmknod of a character or block device, a fifo or a socket is stored mapped
     *                            ({@code devices: mapped}); otherwise a device is refused with EPERM and a fifo or
     *                            socket made as asked
     * @param enforcesPermissions every backend call acts on the host as the request's mapped guest uid/gid
     *                            ({@code permissions: enforce}); a request whose uid or gid the VM's map leaves
     *                            unmapped is refused
     * @param devicesRule         the rule id a refused device node is recorded with
     * @param ownsOldMappings     special files mapped before mappings named their VM are this VM's: no other VM
     *                            maps special files in a share over the same host directories
     * @param unmappedIdRule      the rule id a request of an unmapped guest id is refused with where permissions
     *                            are enforced
     * @param unmappedOwnerRule   the rule id a request is refused with that would give a file an owner or group
     *                            the VM's id map does not map (a create as such an id, a chown to one)
     */
    record Settings(
            boolean mapsDevices,
            boolean enforcesPermissions,
            String devicesRule,
            boolean ownsOldMappings,
            String unmappedIdRule,
            String unmappedOwnerRule) {}

    /** Device nodes refused, the gateway's own credentials. */
    Settings DEFAULTS = new Settings(false, false, "devices", false, "permissions.unmapped-id", "ids.unmapped-id");

    /** The gateway without a policy: every share has the defaults. */
    ShareSafety NONE = share -> DEFAULTS;

    Settings of(String share);
}
