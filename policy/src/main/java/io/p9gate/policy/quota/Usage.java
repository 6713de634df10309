package io.p9gate.policy.quota;

/** Bytes and inodes, as used, reserved or asked for. */
public record Usage(long bytes, long inodes) {
    public static final Usage ZERO = new Usage(0, 0);

    public Usage plus(Usage o) {
        return new Usage(bytes + o.bytes, inodes + o.inodes);
    }

    public Usage minus(Usage o) {
        return new Usage(bytes - o.bytes, inodes - o.inodes);
    }
}
