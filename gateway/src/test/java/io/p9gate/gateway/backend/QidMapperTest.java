package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Qid;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** qid.path is unique per (device, inode) and stable; qid.version follows content changes (R-PROTO-4). */
class QidMapperTest {
    final QidMapper qids = new QidMapper();

    @Test
    void sameInodeOnTwoDevicesGetsTwoPaths() {
        assertNotEquals(qids.path(1, 42), qids.path(2, 42));
        assertEquals(qids.path(1, 42), qids.path(1, 42));
    }

    @Test
    void hugeInodeNumbersStayUniqueAndStable() {
        Set<Long> seen = new HashSet<>();
        for (long ino = 0; ino < 100; ino++) {
            seen.add(qids.path(7, ino));
            seen.add(qids.path(7, Long.MIN_VALUE + ino));
            seen.add(qids.path(7, (1L << 56) + ino));
        }
        assertEquals(300, seen.size());
        assertEquals(qids.path(7, (1L << 56) + 5), qids.path(7, (1L << 56) + 5));
    }

    /**
     * A file system with 64-bit inode numbers (overlayfs with xino, some FUSE or NFS mounts) gives files numbers of
     * 2^56 and more, each mapped to a reserved-range path that was kept for ever: a guest listing or creating files
     * in a loop grew the heap without bound. Paths of files no handle holds are forgotten past a cap; a path is
     * never given to two files, and a held file keeps its path.
     */
    @Test
    void reservedPathsOfFilesNoHandleHoldsAreForgottenPastTheCapButNeverReused() {
        Set<FileKey> held = new HashSet<>();
        QidMapper bounded = new QidMapper(held::contains, 1_000);
        long big = 1L << 56;
        for (long i = 0; i < 10; i++) {
            held.add(new FileKey(7, big + i));
        }
        Map<Long, Long> heldPaths = new HashMap<>();
        for (FileKey key : held) {
            heldPaths.put(key.ino(), bounded.path(7, key.ino()));
        }
        Set<Long> given = new HashSet<>(heldPaths.values());
        int files = 100_000;
        for (long i = 10; i < files; i++) {
            assertTrue(given.add(bounded.path(7, big + i)), "a new file gets a path no file had");
            assertEquals(bounded.path(7, big + i), bounded.path(7, big + i), "stable while recently used");
        }
        assertTrue(bounded.remembered() <= 1_000 + held.size(), bounded.remembered() + " paths kept");
        for (FileKey key : held) {
            assertEquals(heldPaths.get(key.ino()), bounded.path(7, key.ino()), "a held file keeps its path");
        }
        long forgotten = bounded.path(7, big + 10);
        assertTrue(given.add(forgotten), "a forgotten file seen again gets a new path, never one given before");
        int kept = bounded.remembered();
        bounded.path(7, 5);
        assertEquals(kept, bounded.remembered(), "a number below 2^56 keeps no reserved path");
    }

    /** By default a file is held while the gateway has a handle on it (a fid of any session: {@link OpenInodes}). */
    @Test
    void aFileWithAnOpenHandleKeepsItsReservedPath() {
        FileKey open = new FileKey(7, -1);
        OpenInodes.opened(open, null);
        try {
            long path = qids.path(open.dev(), open.ino());
            for (long i = 0; i < 2L * QidMapper.KEPT_UNHELD; i++) {
                qids.path(7, (1L << 56) + i);
            }
            assertTrue(qids.remembered() <= QidMapper.KEPT_UNHELD + 1, qids.remembered() + " paths kept");
            assertEquals(path, qids.path(open.dev(), open.ino()));
        } finally {
            OpenInodes.closed(open, null);
        }
    }

    @Test
    void versionChangesWithMtimeOrSizeAndTypeFollowsTheMode() {
        FileStat a = stat(0100644, 10, 1000, 5);
        assertNotEquals(QidMapper.version(a), QidMapper.version(stat(0100644, 11, 1000, 5)));
        assertNotEquals(QidMapper.version(a), QidMapper.version(stat(0100644, 10, 1000, 6)));
        assertEquals(QidMapper.version(a), QidMapper.version(stat(0100644, 10, 1000, 5)));
        assertEquals(Qid.QTDIR, qids.qid(stat(0040755, 0, 0, 0)).type());
        assertEquals(Qid.QTSYMLINK, qids.qid(stat(0120777, 0, 0, 0)).type());
        assertEquals(Qid.QTFILE, qids.qid(stat(0010644, 0, 0, 0)).type());
    }

    private static FileStat stat(int mode, long size, long mtimeSec, long mtimeNsec) {
        return new FileStat(
                1,
                99,
                mode,
                1,
                0,
                0,
                0,
                size,
                4096,
                0,
                new Timespec(0, 0),
                new Timespec(mtimeSec, mtimeNsec),
                new Timespec(0, 0),
                new Timespec(0, 0));
    }
}
