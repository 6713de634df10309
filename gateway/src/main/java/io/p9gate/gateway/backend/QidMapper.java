package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Qid;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Builds qids (R-PROTO-4): path unique per (device, inode) by putting a small per-device index in
 * the top byte; inode numbers that do not fit in 56 bits get a path from a reserved range instead.
 */
public final class QidMapper {
    private static final int OVERFLOW_INDEX = 0xff;
    private static final long INO_BITS_MASK = (1L << 56) - 1;

    /**
     * How many reserved-range paths of files no handle holds are kept (about 100 bytes each). Kept for ever, every
     * file with a 64-bit inode number a guest walked, listed or made added one: listing or creating files in a loop
     * grew the heap without bound.
     */
    static final int KEPT_UNHELD = 1 << 16;

    /** How many of the least recently used paths one new path looks at to forget: a bounded cost per file. */
    private static final int LOOKS_PER_NEW_PATH = 8;

    private final ConcurrentHashMap<Long, Integer> deviceIndex = new ConcurrentHashMap<>();
    private final AtomicInteger nextDevice = new AtomicInteger();
    /** Reserved-range paths, least recently used first. Guarded by itself. */
    private final LinkedHashMap<FileKey, Long> overflow = new LinkedHashMap<>(16, 0.75f, true);
    /** The next reserved-range number; never given twice. Guarded by {@link #overflow}. */
    private long nextOverflow;

    private final Predicate<FileKey> held;
    private final int keptUnheld;

    public QidMapper() {
        this(OpenInodes::isOpen, KEPT_UNHELD);
    }

    /**
     * @param held       whether some handle (a fid of any session) holds the file now: its path is never forgotten
     * @param keptUnheld how many paths to keep beyond those held
     */
    QidMapper(Predicate<FileKey> held, int keptUnheld) {
        this.held = held;
        this.keptUnheld = keptUnheld;
    }

    public long path(long dev, long ino) {
        int index = deviceIndex(dev);
        if (index < OVERFLOW_INDEX && (ino & ~INO_BITS_MASK) == 0) {
            return ((long) index << 56) | ino;
        }
        return overflowPath(new FileKey(dev, ino));
    }

    /** A device's index never changes once given; the last one asked about is kept beside the map. */
    private record DeviceIndex(long dev, int index) {}

    /**
     * Nearly every qid of a share is of its one device: the map's lookup boxed the device number and built a lambda
     * for each qid (each walked name, Tgetattr, listed entry; issue 11).
     */
    private volatile DeviceIndex lastDevice;

    private int deviceIndex(long dev) {
        DeviceIndex last = lastDevice;
        if (last != null && last.dev() == dev) {
            return last.index();
        }
        int index = deviceIndex.computeIfAbsent(dev, d -> nextDevice.getAndIncrement());
        lastDevice = new DeviceIndex(dev, index);
        return index;
    }

    /**
     * The reserved-range path of {@code key}. A path is never given to two files: a forgotten file seen again gets
     * a new one. It stays the same while a handle holds the file (the guest's kernel caches an inode by its qid for
     * as long as it holds a fid on it), and for the {@link #KEPT_UNHELD} files used most recently besides.
     */
    private long overflowPath(FileKey key) {
        synchronized (overflow) {
            Long known = overflow.get(key);
            if (known != null) {
                return known;
            }
            long path = ((long) OVERFLOW_INDEX << 56) | nextOverflow++;
            overflow.put(key, path);
            forgetUnheld(key);
            return path;
        }
    }

    /** Forgets the least recently used paths no handle holds, past {@link #keptUnheld}; held ones move to the end. */
    private void forgetUnheld(FileKey added) {
        List<FileKey> stillHeld = new ArrayList<>();
        Iterator<Map.Entry<FileKey, Long>> eldest = overflow.entrySet().iterator();
        for (int looked = 0; overflow.size() > keptUnheld && looked < LOOKS_PER_NEW_PATH; looked++) {
            FileKey key = eldest.next().getKey();
            if (key.equals(added)) {
                break;
            }
            if (held.test(key)) {
                stillHeld.add(key);
            } else {
                eldest.remove();
            }
        }
        stillHeld.forEach(overflow::get);
    }

    /** How many reserved-range paths are kept. */
    int remembered() {
        synchronized (overflow) {
            return overflow.size();
        }
    }

    public Qid qid(FileStat stat) {
        return new Qid(stat.type().qidType(), version(stat), path(stat.dev(), stat.ino()));
    }

    /** A qid for a directory entry, known only by inode number and d_type. */
    public Qid qid(long dev, long ino, FileType type) {
        return new Qid(type == null ? Qid.QTFILE : type.qidType(), 0, path(dev, ino));
    }

    /**
     * Changes whenever the content changes: mixes the modification time (ns) and, but for a directory, the size. A
     * directory's mtime changes with each entry made, removed or renamed in it; its size counts the entries the guest
     * may not see (tmpfs: 20 bytes each), and with the mtime Tgetattr shows, the version gave that size back (R-POL-4).
     */
    static int version(FileStat stat) {
        long v = stat.mtime().sec() * 1_000_000_000L + stat.mtime().nsec();
        v ^= (stat.type() == FileType.DIRECTORY ? 0 : stat.size()) * 0x9E3779B97F4A7C15L;
        return (int) (v ^ (v >>> 32));
    }
}
