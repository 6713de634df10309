package io.p9gate.gateway.server;

import io.p9gate.gateway.budget.Allowance;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One of a VM's connections (R-ROB-2), taken when the transport names the VM and given back once: when the
 * connection's session has ended (its fids released), or when the connection closes before a session took it (a
 * move to the VM's loops that failed, a close during it).
 */
final class ConnectionPlace {
    private static final int HELD = 0;
    private static final int SESSION = 1;
    private static final int GIVEN_BACK = 2;

    private final Allowance connections;
    private final AtomicInteger state = new AtomicInteger(HELD);

    /** @param connections the VM's connection budget, of which one was acquired for this connection */
    ConnectionPlace(Allowance connections) {
        this.connections = connections;
    }

    /** A session takes the place; false if the connection closed first (the place is given back already). */
    boolean toSession() {
        return state.compareAndSet(HELD, SESSION);
    }

    /** The session holding the place has ended, or could not be installed. */
    void sessionEnded() {
        if (state.compareAndSet(SESSION, GIVEN_BACK)) {
            connections.release(1);
        }
    }

    /** The connection closed: gives the place back unless a session holds it. */
    void closedWithoutSession() {
        if (state.compareAndSet(HELD, GIVEN_BACK)) {
            connections.release(1);
        }
    }
}
