package io.p9gate.gateway.backend;

/**
 * For tests of other packages: while open, every VM's host-move reader stops before handling the events it read, so a
 * host's move is not yet told to the shares (the window between the host's rename and its inotify event being handled).
 */
public final class HeldHostMoves implements AutoCloseable {
    private HeldHostMoves() {
        HostMoves.holdForTests.lock();
    }

    /** Held until {@link #close}, which the same thread must call. */
    public static HeldHostMoves hold() {
        return new HeldHostMoves();
    }

    @Override
    public void close() {
        HostMoves.holdForTests.unlock();
    }
}
