package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.StatFs;
import java.io.IOException;
import java.util.Optional;

/** A quota's figures as Tstatfs shows them where a quota contains the directory asked: its limit and its room. */
record QuotaRoom(StatFs statfs) {
    static QuotaRoom of(StatFs statfs) {
        return new QuotaRoom(statfs);
    }

    /**
     * A create refused with EDQUOT where Tstatfs of its directory ({@code dirFid}) shows a quota with no room left is
     * the share being full, not a refusal of what the policy allows: {@code a} is skipped, saying so and {@code then}
     * (docs/policy.md, "Quotas in the gateway"). An EDQUOT while the figures show room, or any other errno, is left
     * for the check to judge.
     */
    static void skipIfFull(GuestSession session, Attempt a, Step step, int dirFid, String then) throws IOException {
        if (step.errno() != Errno.EDQUOT) {
            return;
        }
        Step statfs = session.statfs(dirFid);
        if (statfs.ok()) {
            of(((RMessage.Rstatfs) statfs.reply().message()).statfs())
                    .full()
                    .ifPresent(full -> a.skip("the share's quota is reached: " + full + "; " + then));
        }
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
