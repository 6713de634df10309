package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.StatFs;
import java.util.Optional;

/** A quota's figures as Tstatfs shows them where a quota contains the directory asked: its limit and its room. */
record QuotaRoom(StatFs statfs) {
    static QuotaRoom of(StatFs statfs) {
        return new QuotaRoom(statfs);
    }

    /** What is used of what, for the resource that has no room left; empty if both have room. */
    Optional<String> full() {
        if (statfs.files() > 0 && statfs.ffree() == 0) {
            return Optional.of(statfs.files() + " of " + statfs.files() + " inodes");
        }
        if (statfs.blocks() > 0 && statfs.bavail() == 0) {
            long bytes = statfs.blocks() * statfs.bsize();
            return Optional.of(bytes + " of " + bytes + " bytes");
        }
        return Optional.empty();
    }
}
