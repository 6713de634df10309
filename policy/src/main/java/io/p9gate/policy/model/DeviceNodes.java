package io.p9gate.policy.model;

/**
 * What Tmknod of a character or block device does in a share (R-CONF-2). A guest never creates a real device
 * node in a host folder: any host process that can read the share would then reach the host's device.
 */
public enum DeviceNodes {
    /** Refused with EPERM and recorded (the default). */
    REFUSE,
    /**
     * Stored as an empty regular file (mode 0600 on the host) whose {@code user.p9gate.device} xattr holds the
     * type, rdev and the guest's permission bits; the guest sees the device, the host never opens one (QEMU's
     * mapped-xattr model).
     */
    MAPPED
}
