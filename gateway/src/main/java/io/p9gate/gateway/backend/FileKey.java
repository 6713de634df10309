package io.p9gate.gateway.backend;

/** The identity of an inode on the host: (device, inode number). */
public record FileKey(long dev, long ino) {}
