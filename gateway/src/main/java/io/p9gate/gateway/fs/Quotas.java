package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.P9Exception;

/**
 * One VM's quota scopes (R-POL-6), addressed by share and share-relative path ("" is the root).
 * A reservation counts at once, so concurrent writers cannot both pass a limit only one fits; it is
 * then committed with what was really used, or released. Must be thread-safe.
 */
public interface Quotas {
    /** No quota anywhere: the gateway without a policy, or a VM without quotas. */
    Quotas NONE = new Quotas() {
        @Override
        public boolean isEmpty() {
            return true;
        }

        @Override
        public boolean covers(String share, String path) {
            return false;
        }

        @Override
        public Held reserve(String share, String path, long bytes, long inodes) {
            return Held.NOTHING;
        }

        @Override
        public void free(String share, String path, long bytes, long inodes) {
        }

        @Override
        public void charge(String share, String path, long bytes) {
        }

        @Override
        public boolean sameScopes(String share, String first, String second) {
            return true;
        }

        @Override
        public Held move(String share, String from, String to, long bytes, long inodes) {
            return Held.NOTHING;
        }
    };

    /** True when no quota can cover anything: requests then skip the accounting (and its stats) entirely. */
    default boolean isEmpty() {
        return false;
    }

    /** Whether any quota counts what happens at {@code path}. */
    boolean covers(String share, String path);

    /** @throws P9Exception EDQUOT if any covering scope would go past its limit (then nothing is taken) */
    Held reserve(String share, String path, long bytes, long inodes) throws P9Exception;

    /** Gives usage back (removed, truncated). */
    void free(String share, String path, long bytes, long inodes);

    /** Usage that happened beyond what was reserved (an append raced by another writer); may pass the limit. */
    void charge(String share, String path, long bytes);

    /** Whether the same quotas cover both paths (so moving between them changes no usage). */
    boolean sameScopes(String share, String first, String second);

    /**
     * A rename of something using (bytes, inodes) from one path to another: scopes only the destination
     * is in must take it (EDQUOT otherwise); commit gives it back to scopes only the source was in.
     */
    Held move(String share, String from, String to, long bytes, long inodes) throws P9Exception;

    /** Usage held for one pending operation; commit or release it exactly once. */
    interface Held {
        Held NOTHING = new Held() {
            @Override
            public void commit(long bytes, long inodes) {
            }

            @Override
            public void release() {
            }
        };

        /** Keeps (bytes, inodes), at most what was held; the rest goes back. */
        void commit(long bytes, long inodes);

        void release();
    }
}
