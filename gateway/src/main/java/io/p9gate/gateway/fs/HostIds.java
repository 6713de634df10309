package io.p9gate.gateway.fs;

/**
 * The ids a guest request acts as on the host, after the VM's uid/gid mapping (R-POL-5).
 *
 * @param mapped whether the map chose both on purpose (a range or a squash); false if either is the overflow id
 *               because the map leaves that guest id out, which a share with {@code permissions: enforce} refuses
 *               to act as
 */
public record HostIds(int uid, int gid, boolean mapped) {}
