package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;

/**
 * The directory a request makes, moves or removes a name in, with what its size counted before the request: the
 * request then counts what the directory grew (or gives back what it shrank) in the scopes that count the directory
 * as the start-up scan does ({@link QuotaAccounting#bytes}: beyond its first block). Changes of the directory by
 * others between the two looks count to this request; a reload counts it again.
 */
record DirSize(Node dir, String path, long before) {
    private static final DirSize NONE = new DirSize(null, "", 0);

    /** The directory holding {@code entryPath}, or nothing to count where {@code dir} is unknown or gone. */
    static DirSize of(Node dir, String entryPath) {
        FileStat now = dir == null ? null : QuotaAccounting.statOrNull(dir);
        if (now == null) {
            return NONE;
        }
        // Share paths are "" for the root and "a/b" below it.
        int slash = entryPath.lastIndexOf('/');
        return new DirSize(dir, slash < 0 ? "" : entryPath.substring(0, slash), QuotaAccounting.bytes(now));
    }

    /** EDQUOT where a scope counting the directory is already past its bytes (directories' growth passes it). */
    void requireRoom(String share, Quotas quotas) throws P9Exception {
        if (dir != null) {
            quotas.scopes(share, path, null, true).reserve(0, 0).release();
        }
    }

    /** Counts what the directory grew by since {@link #of}, or gives back what it shrank by. */
    void settle(String share, Quotas quotas) {
        FileStat now = dir == null ? null : QuotaAccounting.statOrNull(dir);
        if (now == null) {
            return;
        }
        long grown = QuotaAccounting.bytes(now) - before;
        if (grown > 0) {
            quotas.scopes(share, path, null, true).charge(grown);
        } else if (grown < 0) {
            quotas.scopes(share, path, null, true).free(-grown, 0);
        }
    }
}
