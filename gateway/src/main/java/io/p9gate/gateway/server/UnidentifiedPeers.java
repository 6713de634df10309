package io.p9gate.gateway.server;

import io.p9gate.gateway.budget.Allowance;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The connections of a {@code tls:} listener whose handshake has not named their VM yet (R-ROB-2); one per listener.
 * Until then no VM's connection budget holds them, yet each holds a descriptor for up to the handshake timeout:
 * unbounded, a peer that connects and never handshakes could take every descriptor of the process, the reserve
 * included. So each one is also taken from the process-wide descriptor pool (which keeps the reserve), and one peer
 * address may hold no more of them on the listener than a VM may hold connections, so that it cannot take the
 * listener's handshakes from the VMs connecting from other addresses. VMs connecting from the same address cannot
 * be told apart before their handshake ends: they share that cap on a listener, not across listeners.
 */
final class UnidentifiedPeers {
    private final ConcurrentHashMap<InetAddress, Integer> held = new ConcurrentHashMap<>();
    private final Allowance pool;
    private final LongSupplier perAddress;

    /** @param perAddress the most one address may hold: read at each accept (limits change on reload) */
    UnidentifiedPeers(Allowance pool, LongSupplier perAddress) {
        this.pool = pool;
        this.perAddress = perAddress;
    }

    /** Takes a place for a connection from {@code address}, or answers false (the caller closes it). */
    boolean tryTake(InetAddress address) {
        long cap = perAddress.getAsLong();
        boolean[] taken = {false};
        held.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            if (now >= cap || !pool.tryAcquire(1)) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    /** Gives back a place {@link #tryTake} took: the handshake named the VM, or the connection closed before. */
    void give(InetAddress address) {
        held.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        pool.release(1);
    }
}
