package io.p9gate.gateway.proto;

/** Byte-range lock fields shared by Tlock, Tgetlock and Rgetlock. */
public final class LockConstants {
    private LockConstants() {}

    /** Lock types (Tlock.type, Tgetlock.type, Rgetlock.type). */
    public static final int LOCK_TYPE_RDLCK = 0;

    public static final int LOCK_TYPE_WRLCK = 1;
    public static final int LOCK_TYPE_UNLCK = 2;

    /** Tlock.flags. */
    public static final int LOCK_FLAGS_BLOCK = 1;

    public static final int LOCK_FLAGS_RECLAIM = 2;

    /** Rlock.status. */
    public static final int LOCK_SUCCESS = 0;

    public static final int LOCK_BLOCKED = 1;
    public static final int LOCK_ERROR = 2;
    public static final int LOCK_GRACE = 3;
}
