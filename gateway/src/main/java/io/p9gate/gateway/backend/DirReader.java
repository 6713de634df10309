package io.p9gate.gateway.backend;

import io.p9gate.gateway.backend.StructLayouts.Dirent;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Treaddir through getdents64: seeks to the cookie, reads, and packs entries until their wire size
 * reaches {@code count}, the first entry whatever its size. The cookies are the filesystem's d_off values,
 * stable across calls, so a long listing split over many requests has no duplicates and no gaps. Whether a
 * count fits is for the caller to say of the entries it shows: an entry the guest may not see must not be
 * the reason for a refusal (fs.VisibleEntries).
 */
public final class DirReader {
    private static final int MIN_BUFFER = 4096;

    private final ShareRoot share;

    public DirReader(ShareRoot share) {
        this.share = share;
    }

    public List<DirEntry> read(OpenFile dir, long offset, int count) throws P9Exception {
        if (dir.type() != FileType.DIRECTORY) {
            throw new P9Exception(Errno.ENOTDIR, "readdir on a non-directory");
        }
        List<DirEntry> out = new ArrayList<>();
        // lseek + getdents on one descriptor is a pair: no other readdir of this fid may interleave.
        synchronized (dir) {
            dir.use(fd -> {
                LinuxSyscalls.lseek(fd, offset);
                fill(fd, dir.key(), count, out);
                return null;
            });
        }
        return out;
    }

    private void fill(int fd, FileKey dirKey, int count, List<DirEntry> out) throws P9Exception {
        MemorySegment own = DirentBuffer.own();
        if (own != null) {
            fill(fd, dirKey, count, out, own.asSlice(0, bufferSize(count)));
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            fill(fd, dirKey, count, out, arena.allocate(bufferSize(count)));
        }
    }

    /** No more than the count asks (getdents64's work stays the request's size), at least a page. */
    private static int bufferSize(int count) {
        return Math.clamp(count, MIN_BUFFER, DirentBuffer.SIZE);
    }

    private void fill(int fd, FileKey dirKey, int count, List<DirEntry> out, MemorySegment buf) throws P9Exception {
        int used = 0;
        while (true) {
            long n = LinuxSyscalls.getdents64(fd, buf);
            if (n == 0) {
                return;
            }
            for (long pos = 0; pos < n; ) {
                DirEntry entry = entryAt(buf, pos, dirKey);
                if (!out.isEmpty() && used + entry.wireSize() > count) {
                    return;
                }
                used += entry.wireSize();
                out.add(entry);
                pos += Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, pos + Dirent.RECLEN));
            }
        }
    }

    private DirEntry entryAt(MemorySegment buf, long pos, FileKey dirKey) throws P9Exception {
        long ino = buf.get(ValueLayout.JAVA_LONG, pos + Dirent.INO);
        long cookie = buf.get(ValueLayout.JAVA_LONG, pos + Dirent.OFF);
        int dtype = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, pos + Dirent.TYPE));
        String name = buf.getString(pos + Dirent.NAME, StandardCharsets.UTF_8);
        FileType type = FileType.ofDirentType(dtype);
        Qid qid;
        if (name.equals("..") && dirKey.equals(share.rootKey())) {
            // The root's ".." is the root itself: the inode above the share stays invisible.
            qid = share.qids().qid(dirKey.dev(), dirKey.ino(), FileType.DIRECTORY);
        } else {
            qid = share.qids().qid(dirKey.dev(), ino, type);
        }
        return new DirEntry(qid, cookie, dtype, name);
    }
}
