package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.P9Exception;
import java.util.Optional;

/**
 * One VM's quota scopes (R-POL-6), addressed by share and share-relative path ("" is the root). One
 * instance per VM, shared by all its sessions (its {@link #locks()} and {@link #kept} state must be).
 * A reservation counts at once, so concurrent writers cannot both pass a limit only one fits; it is
 * then committed with what was really used, or released. Must be thread-safe.
 */
public interface Quotas {
    /** No quota anywhere: the gateway without a policy, or a VM without quotas. */
    Quotas NONE = new Quotas() {
        private final InodeLocks locks = new InodeLocks();

        @Override
        public boolean isEmpty() {
            return true;
        }

        @Override
        public Scopes scopes(String share, String path, FileIdentity file, boolean directory) {
            return Scopes.NONE;
        }

        @Override
        public boolean sameScopes(String share, String first, String second) {
            return true;
        }

        @Override
        public boolean holdsScopeRoot(String share, String path) {
            return false;
        }

        @Override
        public void moved(FileIdentity file) {}

        @Override
        public long moves() {
            return 0;
        }

        @Override
        public long rescans() {
            return 0;
        }

        @Override
        public void linkMade(String share, String path, FileIdentity file) {}

        @Override
        public void linkGone(String share, String path, FileIdentity file, long born, long bytes) {}

        @Override
        public Kept keep(String share, String path, FileIdentity file, boolean directory, long bytes, long inodes) {
            return Kept.NOTHING;
        }

        @Override
        public Optional<Kept> kept(FileIdentity file) {
            return Optional.empty();
        }

        @Override
        public InodeLocks locks() {
            return locks;
        }

        @Override
        public Changing changing() {
            return Changing.NOTHING;
        }

        @Override
        public Changing changingOrLater(Runnable later) {
            return Changing.NOTHING;
        }

        @Override
        public Optional<Room> room(String share, String path) {
            return Optional.empty();
        }
    };

    /** True when no quota can cover anything: requests then skip the accounting (and its stats) entirely. */
    boolean isEmpty();

    /**
     * The scopes that count the entry at {@code path}: those containing it (a directory is not counted by
     * the scope whose root it is, as the start-up scan does not count it), plus those that found
     * {@code file} under another name when they measured their usage (a hard link made on the host).
     *
     * @param file the entry's identity, or null for an entry about to be created
     */
    Scopes scopes(String share, String path, FileIdentity file, boolean directory);

    /** Whether the same quotas contain both paths (so moving between them changes no usage). */
    boolean sameScopes(String share, String first, String second);

    /** Whether a scope's root is {@code path} or lies below it (a directory there carries a scope boundary). */
    boolean holdsScopeRoot(String share, String path);

    /** {@code file} moved as a whole to another set of scopes: those following it by identity let it go. */
    void moved(FileIdentity file);

    /**
     * How many files have {@link #moved} so far (it only grows): a file's path read before, with this count
     * unchanged since, is still in the same scopes (a directory rename never changes which scopes contain
     * what is below it).
     */
    long moves();

    /**
     * How many times a reload's rescan has replaced the books so far (it only grows): a directory's size measured
     * before the last one is in that scan's count already ({@link DirSize}).
     */
    long rescans();

    /** A hard link gave {@code file} a new name at {@code path} (scopes following it by identity count it). */
    void linkMade(String share, String path, FileIdentity file);

    /**
     * {@code file}'s name at {@code path} went while it keeps others: a scope following it by identity
     * gives back what it counted of it when that was its last name inside ({@code born}: QuotaAccounting.bornOf).
     */
    void linkGone(String share, String path, FileIdentity file, long born, long bytes);

    /**
     * An unlinked entry that a handle still holds open: its usage stays counted in the scopes of its last
     * {@code path} (also across a reload's rescan, which cannot see it) until {@link Kept#release()}.
     */
    Kept keep(String share, String path, FileIdentity file, boolean directory, long bytes, long inodes);

    /** The usage kept for an unlinked {@code file}, if it is kept. */
    Optional<Kept> kept(FileIdentity file);

    /** The per-inode accounting locks of this VM. */
    InodeLocks locks();

    /**
     * Held by a request that changes what a scan of this VM's scopes counts (a size, an entry, a name) from its look to
     * its settling: a reload's scan of those scopes waits for the requests under way and holds new ones back, so that
     * it sees no file moved between a directory it has not reached and one it has passed (counted by neither).
     */
    Changing changing();

    /**
     * {@link #changing()} for a request about to start, without waiting: null while a reload's scan holds this VM's
     * changing requests back, and then {@code later} (if not null) runs once the scan lets them go, on the scan's
     * thread, so it must only hand the request on. A request holding it takes {@link #changing()} again at once: a
     * request started with it never waits for a scan, on an event loop or a worker.
     */
    Changing changingOrLater(Runnable later);

    /** A request's hold on {@link #changing()}; closed once. */
    interface Changing extends AutoCloseable {
        Changing NOTHING = () -> {};

        @Override
        void close();
    }

    /**
     * What the scopes containing {@code path} allow and leave this VM (Tstatfs), each resource from the scope
     * with the least room; empty if no scope contains it.
     */
    Optional<Room> room(String share, String path);

    /**
     * Limits and room left, bytes and inodes; {@link Long#MAX_VALUE} where no containing scope limits one.
     * Room is never negative (usage charged past a limit leaves none).
     */
    record Room(long maxBytes, long bytesLeft, long maxInodes, long inodesLeft) {}

    /** The scopes counting one entry, resolved once for one request. */
    interface Scopes {
        Scopes NONE = new Scopes() {
            @Override
            public boolean isEmpty() {
                return true;
            }

            @Override
            public Held reserve(long bytes, long inodes) {
                return Held.NOTHING;
            }

            @Override
            public void free(long bytes, long inodes) {}

            @Override
            public void charge(long bytes) {}

            @Override
            public void note(long born, long size) {}

            @Override
            public void resized(long born, long before, long now) {}

            @Override
            public void lastNameGone(long born, long size) {}

            @Override
            public Held moveTo(Scopes target, long born, long bytes, long inodes) {
                return Held.NOTHING;
            }
        };

        boolean isEmpty();

        /** @throws P9Exception EDQUOT if any scope would go past its limit (then nothing is taken) */
        Held reserve(long bytes, long inodes) throws P9Exception;

        /** Gives usage back (removed, truncated). */
        void free(long bytes, long inodes);

        /** Usage that happened beyond what was reserved (the file grew meanwhile); may pass the limit. */
        void charge(long bytes);

        /**
         * The regular file these scopes were asked for, born at {@code born} (epoch ns: QuotaAccounting.bornOf) and of
         * {@code size} bytes under its lock before a request changes it: from now on they follow what they count of
         * it, so that it gives back no more (not what another writer adds).
         */
        void note(long born, long size);

        /**
         * That regular file went from {@code before} to {@code now} bytes (growth reserved and committed as usual): it
         * counts its growth; shrinking gives back only what these scopes counted of it.
         */
        void resized(long born, long before, long now);

        /**
         * That regular file's last name went (under its lock): what these scopes never counted of its {@code size} is
         * charged now, so that its usage, given back whole at its last close ({@link Kept}), gives back only what
         * they counted.
         */
        void lastNameGone(long born, long size);

        /**
         * Moving something using (bytes, inodes) from these scopes to {@code target}'s: scopes only the
         * target has must take it (EDQUOT otherwise); commit gives it back to scopes only these have.
         */
        Held moveTo(Scopes target, long born, long bytes, long inodes) throws P9Exception;
    }

    /** Usage held for one pending operation; commit or release it exactly once. */
    interface Held {
        Held NOTHING = new Held() {
            @Override
            public void commit(long bytes, long inodes) {}

            @Override
            public void release() {}
        };

        /** Keeps (bytes, inodes), at most what was held; the rest goes back. */
        void commit(long bytes, long inodes);

        void release();
    }

    /** The usage of an unlinked, still open entry. */
    interface Kept {
        Kept NOTHING = new Kept() {
            @Override
            public void resized(long bytes) {}

            @Override
            public void release() {}
        };

        /** A write through an open handle changed its size (the growth itself is accounted as usual). */
        void resized(long bytes);

        /** The last handle is closed: the space is free on the host, and in the scopes. Idempotent. */
        void release();
    }
}
