package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileKey;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory a request makes, moves or removes a name in, counted in the scopes that count the directory as the
 * start-up scan does ({@link QuotaAccounting#bytes}: beyond its first block). Changes of the directory by others
 * (the host, another VM) while the request is in it count to this request; a reload counts it again. The VM's
 * requests in one directory at once share one count of it ({@link InDirectory}), each settling what the directory
 * grew since the last settle: each counting its own before and after, a rename within one directory (two looks
 * at it) and a pipelined window of Tmkdir counted one growth twice or more (QuotaDirectoryGrowthOnceTest). A count
 * taken before a reload's rescan counts no growth: the scan measured the directory itself, so growth before it was
 * counted twice, into the new book, until the next reload; growth after it and before the swap is missed, as a
 * write's is ("Reload" in docs/policy.md).
 */
record DirSize(Node dir, String path, InDirectory in) {
    private static final DirSize NONE = new DirSize(null, "", null);

    /**
     * A directory the VM ({@code locks}: one per VM) has requests in through {@code share}: each share has scopes of
     * its own, and one over the same host folder as another counts the directory's growth too (as its scan does).
     * Shared across the VM's shares, a request of one that settled first took the growth another's request made
     * into its own scopes, and the other's never counted it (QuotaOverlappingSharesTest).
     */
    private record InDirectory(Object locks, String share, FileKey dir) {}

    /**
     * What the VM counted of the directory last, how many of its requests are in it, and the books' {@link
     * Quotas#rescans} when it was counted.
     */
    private record Counted(long bytes, int requests, long rescans) {
        /** What the directory grew by to {@code bytes}: nothing when a rescan measured it since it was counted. */
        long growthTo(long bytes, long rescansNow) {
            return rescans == rescansNow ? bytes - this.bytes : 0;
        }
    }

    // Only directories with requests in them: the last settle removes the count, so the map stays as small as the
    // requests in flight, and an inode number reused by a later directory never finds an old count.
    private static final ConcurrentHashMap<InDirectory, Counted> COUNTED = new ConcurrentHashMap<>();

    /**
     * The directory holding {@code entryPath}, or nothing to count where {@code dir} is unknown or gone. Every one
     * made must be {@link #settle settled} once, failed or not.
     */
    static DirSize of(Quotas quotas, String share, Node dir, String entryPath) {
        FileStat now = dir == null ? null : QuotaAccounting.statOrNull(dir);
        // Only a directory: a Tlcreate or Tlink through a regular file's fid (ENOTDIR) would count that file's growth
        // in the window a second time, beside its writes' own count (QuotaCrossScopeRaceAttackTest).
        if (now == null || now.type() != FileType.DIRECTORY) {
            return NONE;
        }
        InDirectory in = new InDirectory(quotas.locks(), share, now.key());
        COUNTED.compute(
                in,
                (k, c) -> c == null
                        ? new Counted(QuotaAccounting.bytes(now), 1, quotas.rescans())
                        : new Counted(c.bytes(), c.requests() + 1, c.rescans()));
        // Share paths are "" for the root and "a/b" below it.
        int slash = entryPath.lastIndexOf('/');
        return new DirSize(dir, slash < 0 ? "" : entryPath.substring(0, slash), in);
    }

    /** EDQUOT where a scope counting the directory is already past its bytes (directories' growth passes it). */
    void requireRoom(String share, Quotas quotas) throws P9Exception {
        if (dir != null) {
            quotas.scopes(share, path, null, true).reserve(0, 0).release();
        }
    }

    /** Counts what the directory grew by since the VM last counted it, or gives back what it shrank by. */
    void settle(String share, Quotas quotas) {
        if (dir == null) {
            return;
        }
        long[] grown = new long[1];
        // The look is made within the count's update, so the VM's settles see the directory's sizes in order.
        COUNTED.compute(in, (k, c) -> {
            long rescans = quotas.rescans();
            FileStat now = QuotaAccounting.statOrNull(dir);
            // Removed meanwhile (ext4 then says size 0): its bytes go with its removal, the VM's (kept until its last
            // handle closes, then given back) or another's (the next scan); given back here too, they went twice.
            long bytes = now == null || now.nlink() == 0 ? c.bytes() : QuotaAccounting.bytes(now);
            grown[0] = c.growthTo(bytes, rescans);
            return c.requests() == 1 ? null : new Counted(bytes, c.requests() - 1, rescans);
        });
        count(share, quotas, path, grown[0]);
    }

    /**
     * Before the VM removes {@code dir} at {@code path} ({@code stat} read under its inode's lock), whose removal
     * gives back {@code stat}'s bytes: what it grew since the VM's requests in it last settled is counted now. A
     * request in it that had not settled yet finds it removed and counts nothing, so that growth was given back
     * without ever having been counted, the count below a restart's scan (QuotaDirectoryGrowthOnceTest).
     */
    static void removing(String share, Quotas quotas, String path, FileStat stat) {
        if (stat.type() != FileType.DIRECTORY) {
            return;
        }
        long[] grown = new long[1];
        COUNTED.computeIfPresent(new InDirectory(quotas.locks(), share, stat.key()), (k, c) -> {
            long rescans = quotas.rescans();
            long bytes = QuotaAccounting.bytes(stat);
            grown[0] = c.growthTo(bytes, rescans);
            return new Counted(bytes, c.requests(), rescans);
        });
        count(share, quotas, path, grown[0]);
    }

    private static void count(String share, Quotas quotas, String path, long grown) {
        if (grown > 0) {
            quotas.scopes(share, path, null, true).charge(grown);
        } else if (grown < 0) {
            quotas.scopes(share, path, null, true).free(-grown, 0);
        }
    }
}
