package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Qid;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds qids (R-PROTO-4): path unique per (device, inode) by putting a small per-device index in
 * the top byte; inode numbers that do not fit in 56 bits get a path from a reserved range instead.
 */
public final class QidMapper {
    private static final int OVERFLOW_INDEX = 0xff;
    private static final long INO_BITS_MASK = (1L << 56) - 1;

    private final ConcurrentHashMap<Long, Integer> deviceIndex = new ConcurrentHashMap<>();
    private final AtomicInteger nextDevice = new AtomicInteger();
    private final ConcurrentHashMap<FileKey, Long> overflow = new ConcurrentHashMap<>();
    private final AtomicLong nextOverflow = new AtomicLong();

    public long path(long dev, long ino) {
        int index = deviceIndex.computeIfAbsent(dev, d -> nextDevice.getAndIncrement());
        if (index < OVERFLOW_INDEX && (ino & ~INO_BITS_MASK) == 0) {
            return ((long) index << 56) | ino;
        }
        return overflow.computeIfAbsent(
                new FileKey(dev, ino), k -> ((long) OVERFLOW_INDEX << 56) | nextOverflow.getAndIncrement());
    }

    public Qid qid(FileStat stat) {
        return new Qid(stat.type().qidType(), version(stat), path(stat.dev(), stat.ino()));
    }

    /** A qid for a directory entry, known only by inode number and d_type. */
    public Qid qid(long dev, long ino, FileType type) {
        return new Qid(type == null ? Qid.QTFILE : type.qidType(), 0, path(dev, ino));
    }

    /** Changes whenever the content changes: mixes the modification time (ns) and the size. */
    static int version(FileStat stat) {
        long v = stat.mtime().sec() * 1_000_000_000L + stat.mtime().nsec();
        v ^= stat.size() * 0x9E3779B97F4A7C15L;
        return (int) (v ^ (v >>> 32));
    }
}
