package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.p9gate.gateway.proto.Qid;
import java.util.HashSet;
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
