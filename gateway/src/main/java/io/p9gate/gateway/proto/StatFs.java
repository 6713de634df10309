package io.p9gate.gateway.proto;

/** Rstatfs body: the struct statfs fields 9P2000.L carries. */
public record StatFs(
        int type, int bsize, long blocks, long bfree, long bavail, long files, long ffree, long fsid, int namelen) {}
