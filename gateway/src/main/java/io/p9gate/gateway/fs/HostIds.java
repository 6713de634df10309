package io.p9gate.gateway.fs;

/** The ids a guest request acts as on the host, after the VM's uid/gid mapping (R-POL-5). */
public record HostIds(int uid, int gid) {}
