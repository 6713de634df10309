package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.proto.StatFs;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tstatfs figures under a quota: the quota's, never more room than the host has. */
class QuotaStatFsTest {
    private static final StatFs HOST = new StatFs(0xEF53, 4096, 1_000_000, 500_000, 400_000, 900, 800, 7, 255);

    @Test
    void withoutAQuotaTheHostsFiguresPassThrough() {
        assertEquals(HOST, QuotaStatFs.shown(HOST, Optional.empty()));
    }

    @Test
    void aQuotaIsTheTotalAndItsRoomTheFreeSpace() {
        StatFs shown = QuotaStatFs.shown(HOST, Optional.of(new Quotas.Room(40960, 8192 + 100, 50, 20)));
        assertEquals(new StatFs(0xEF53, 4096, 10, 2, 2, 50, 20, 7, 255), shown);
    }

    @Test
    void theRoomShownIsNeverMoreThanTheHostHasFree() {
        StatFs full = new StatFs(0xEF53, 4096, 1_000_000, 3, 1, 900, 5, 7, 255);
        StatFs shown = QuotaStatFs.shown(full, Optional.of(new Quotas.Room(1 << 30, 1 << 30, 10_000, 10_000)));
        assertEquals(1, shown.bavail());
        assertEquals(5, shown.ffree());
    }

    @Test
    void anUnlimitedResourceKeepsTheHostsFiguresAndAHostWithoutInodeCountsBoundsNone() {
        StatFs btrfs = new StatFs(0x9123683E, 4096, 1_000_000, 500_000, 400_000, 0, 0, 7, 255);
        StatFs shown = QuotaStatFs.shown(btrfs, Optional.of(new Quotas.Room(Long.MAX_VALUE, Long.MAX_VALUE, 50, 30)));
        assertEquals(1_000_000, shown.blocks());
        assertEquals(400_000, shown.bavail());
        assertEquals(50, shown.files());
        assertEquals(30, shown.ffree());
    }

    @Test
    void aHostWithoutABlockSizeIsShownTheBlocksTheQuotaWasCountedIn() {
        StatFs noBlockSize = new StatFs(0x65735546, 0, 0, 0, 0, 0, 0, 7, 255);
        StatFs shown = QuotaStatFs.shown(noBlockSize, Optional.of(new Quotas.Room(40960, 8192, 50, 20)));
        // df multiplies the blocks by bsize: a bsize of 0 would show the quota as an empty filesystem.
        assertEquals(4096, shown.bsize());
        assertEquals(10, shown.blocks());
    }
}
