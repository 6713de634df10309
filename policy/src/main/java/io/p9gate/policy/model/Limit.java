package io.p9gate.policy.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * One per-VM resource budget a policy may set under {@code limits:} (R-ROB-2). A limit the policy leaves out
 * is derived by the gateway from the process's descriptor limit and heap (docs/policy.md, "Resource limits").
 */
public enum Limit {
    /** Connections open at once on the VM's listener(s). */
    CONNECTIONS("connections", false, 1_000_000),
    /** Requests being served at once, across the VM's connections. */
    OUTSTANDING("outstanding", false, 1_000_000),
    /** Fids held at once, across the VM's sessions. */
    FIDS("fids", false, 100_000_000),
    /** Host file descriptors held for the VM (handles, open files). */
    DESCRIPTORS("descriptors", false, 100_000_000),
    /** Bytes of extended attribute values announced by Txattrcreate and not yet committed. */
    XATTR_BYTES("xattr-bytes", true, Long.MAX_VALUE),
    /** Byte-range lock entries held in the gateway's lock table. */
    LOCKS("locks", false, 100_000_000),
    /** Reply bytes queued for the VM's connections and not yet read by it. */
    REPLY_BYTES("reply-bytes", true, Long.MAX_VALUE),
    /** The VM's share of the worker threads when VMs compete (weighted round robin). */
    WEIGHT("weight", false, 100);

    private final String key;
    private final boolean bytes;
    private final long max;

    Limit(String key, boolean bytes, long max) {
        this.key = key;
        this.bytes = bytes;
        this.max = max;
    }

    /** The key under {@code limits:}. */
    public String key() {
        return key;
    }

    /** Whether the value is a byte size (may carry KiB, MiB, GiB, TiB). */
    public boolean isBytes() {
        return bytes;
    }

    /** The largest value accepted; the smallest is 1. */
    public long max() {
        return max;
    }

    public static Optional<Limit> ofKey(String key) {
        return Arrays.stream(values()).filter(l -> l.key.equals(key)).findFirst();
    }
}
