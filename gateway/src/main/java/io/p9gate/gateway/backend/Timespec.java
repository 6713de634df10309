package io.p9gate.gateway.backend;

/** One of an inode's times as statx reports it (struct statx_timestamp): seconds and nanoseconds since the epoch. */
public record Timespec(long sec, long nsec) {}
