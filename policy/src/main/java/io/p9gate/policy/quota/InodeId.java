package io.p9gate.policy.quota;

/** A file's identity on the host, (st_dev, st_ino): what its hard links have in common. */
public record InodeId(long dev, long ino) {}
