package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.StatFs;
import java.util.Optional;

/**
 * What Tstatfs shows a VM. QEMU and diod pass the host filesystem's figures through; so does the gateway where no
 * quota of the VM contains the path asked. Where one does, the VM is shown its quota as {@code df} expects a
 * filesystem of that size: the limit as the total, the room left as free and available (bytes in the host's block
 * size, rounded down; inodes as they are), so its free space no longer moves with what other VMs and the host
 * write, and {@code df} no longer promises room that EDQUOT would refuse. The room shown is never more than the
 * host has free: a write past it fails with ENOSPC whatever the quota says.
 */
final class QuotaStatFs {
    private static final int FALLBACK_BLOCK = 4096;

    private QuotaStatFs() {}

    static StatFs shown(StatFs host, Optional<Quotas.Room> room) {
        if (room.isEmpty()) {
            return host;
        }
        Quotas.Room r = room.get();
        int bsize = host.bsize() > 0 ? host.bsize() : FALLBACK_BLOCK;
        int shownBsize = host.bsize();
        long blocks = host.blocks();
        long bfree = host.bfree();
        long bavail = host.bavail();
        if (r.maxBytes() != Long.MAX_VALUE) {
            blocks = r.maxBytes() / bsize;
            bavail = Math.min(r.bytesLeft() / bsize, host.bavail());
            bfree = bavail;
            shownBsize = bsize; // the unit the figures are in: df multiplies by it
        }
        long files = host.files();
        long ffree = host.ffree();
        if (r.maxInodes() != Long.MAX_VALUE) {
            files = r.maxInodes();
            // A filesystem that counts no inodes (btrfs: 0 and 0) sets no bound of its own.
            ffree = host.files() == 0 ? r.inodesLeft() : Math.min(r.inodesLeft(), host.ffree());
        }
        return new StatFs(host.type(), shownBsize, blocks, bfree, bavail, files, ffree, host.fsid(), host.namelen());
    }
}
