package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.SharePath;
import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaExceededException;
import io.p9gate.policy.quota.Usage;
import java.util.function.Supplier;

/** {@link Quotas} over one VM's {@link QuotaBook} (none: nothing is limited). */
record VmQuotas(Supplier<QuotaBook> book) implements Quotas {

    @Override
    public boolean isEmpty() {
        return book.get() == null;
    }

    @Override
    public boolean covers(String share, String path) {
        QuotaBook b = book.get();
        return b != null && !b.covering(share, PolicyAccess.policyPath(path)).isEmpty();
    }

    @Override
    public Held reserve(String share, String path, long bytes, long inodes) throws P9Exception {
        QuotaBook b = book.get();
        if (b == null) {
            return Held.NOTHING;
        }
        try {
            return held(b.reserve(share, PolicyAccess.policyPath(path), new Usage(bytes, inodes)));
        } catch (QuotaExceededException e) {
            throw new P9Exception(Errno.EDQUOT, e.getMessage());
        }
    }

    @Override
    public void free(String share, String path, long bytes, long inodes) {
        QuotaBook b = book.get();
        if (b != null) {
            b.free(share, PolicyAccess.policyPath(path), new Usage(bytes, inodes));
        }
    }

    @Override
    public void charge(String share, String path, long bytes) {
        QuotaBook b = book.get();
        if (b != null) {
            b.covering(share, PolicyAccess.policyPath(path)).forEach(l -> l.charge(new Usage(bytes, 0)));
        }
    }

    @Override
    public boolean sameScopes(String share, String first, String second) {
        QuotaBook b = book.get();
        return b == null || b.covering(share, PolicyAccess.policyPath(first))
                .equals(b.covering(share, PolicyAccess.policyPath(second)));
    }

    @Override
    public Held move(String share, String from, String to, long bytes, long inodes) throws P9Exception {
        QuotaBook b = book.get();
        if (b == null) {
            return Held.NOTHING;
        }
        try {
            return held(b.reserveMove(share, PolicyAccess.policyPath(from), PolicyAccess.policyPath(to),
                    new Usage(bytes, inodes)));
        } catch (QuotaExceededException e) {
            throw new P9Exception(Errno.EDQUOT, e.getMessage());
        }
    }

    private static Held held(QuotaBook.Reservations r) {
        return new Held() {
            @Override
            public void commit(long bytes, long inodes) {
                r.commit(new Usage(bytes, inodes));
            }

            @Override
            public void release() {
                r.release();
            }
        };
    }
}
