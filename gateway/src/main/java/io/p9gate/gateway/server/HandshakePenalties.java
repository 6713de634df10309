package io.p9gate.gateway.server;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Source addresses whose TLS handshakes keep failing, refused at accept for a growing period (R-ROB-2), like
 * OpenSSH's PerSourcePenalties. A handshake costs the gateway a key agreement and a signature on the event loop
 * that also serves the VMs of the shared listener; a peer without a valid certificate pays almost nothing per
 * attempt (a replayed ClientHello), so without this one address could keep that loop busy with handshakes that
 * can never succeed. After {@link #FREE_FAILURES} failures (a sidecar retrying, a certificate being replaced) each
 * further failure refuses the address for twice as long as the last, from {@link #FIRST} to {@link #LONGEST}; a
 * handshake that names a VM forgets the address, and so does a quiet {@link #LONGEST} after its penalty. Each
 * address counts alone, IPv6 too: the VMs on one bridge share its /64, and one VM's failures must not lock the
 * others out (an attacker holding many addresses is bounded by the table and the handshake thread). One table per
 * listener: VMs behind one address (sidecars on the host, NAT) share a penalty on a listener, not across
 * listeners. The table holds at most {@link #ADDRESSES} addresses: past that, one it has no room for is not
 * tracked (an attacker with that many addresses must not lock out others).
 */
final class HandshakePenalties {
    static final int FREE_FAILURES = 3;
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration LONGEST = Duration.ofSeconds(60);
    static final int ADDRESSES = 4096;

    /** {@code until}: System.nanoTime() before which the address is refused; {@code failures} since last success. */
    private record Entry(int failures, long until) {}

    private final ConcurrentHashMap<InetAddress, Entry> table = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    HandshakePenalties() {
        this(System::nanoTime);
    }

    HandshakePenalties(LongSupplier clock) {
        this.clock = clock;
    }

    /** How long {@code address} is still refused (zero: admitted). */
    Duration refused(InetAddress address) {
        Entry e = table.get(address);
        long left = e == null ? 0 : e.until() - clock.getAsLong();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /** A handshake from {@code address} failed; answers the penalty it now has (zero: none yet). */
    Duration failed(InetAddress address) {
        InetAddress key = address;
        long now = clock.getAsLong();
        if (!table.containsKey(key) && table.size() >= ADDRESSES) {
            table.values().removeIf(e -> forgotten(e, now));
            if (table.size() >= ADDRESSES) {
                return Duration.ZERO;
            }
        }
        Entry e = table.compute(key, (k, old) -> {
            int failures = old == null || forgotten(old, now) ? 1 : old.failures() + 1;
            return new Entry(failures, now + penalty(failures).toNanos());
        });
        return Duration.ofNanos(e.until() - now);
    }

    /** A handshake from {@code address} named its VM: its failures are forgotten. */
    void succeeded(InetAddress address) {
        table.remove(address);
    }

    int tracked() {
        return table.size();
    }

    static Duration penalty(int failures) {
        if (failures <= FREE_FAILURES) {
            return Duration.ZERO;
        }
        int doublings = Math.min(failures - FREE_FAILURES - 1, 16);
        Duration d = FIRST.multipliedBy(1L << doublings);
        return d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }

    private static boolean forgotten(Entry e, long now) {
        return now - e.until() > LONGEST.toNanos();
    }
}
