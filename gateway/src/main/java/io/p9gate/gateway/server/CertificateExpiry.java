package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Ends a TLS connection when a certificate of the chain it presented passes its notAfter. A 9P mount is one
 * connection for as long as the guest wishes: without this, a certificate's validity bounded only when its holder
 * could connect, not how long it was served. One timer per connection on its event loop, cancelled when it closes;
 * when it fires the connection is identified again by its chain under the policy in force, as a reload does
 * ({@link ConnectionIdentity#stillHolds}): a refusal is recorded and logged as at connect, and the connection closed.
 */
final class CertificateExpiry {
    /** notAfter is in whole seconds and the loop's clock is not the wall clock: decided a second past it. */
    private static final Duration MARGIN = Duration.ofSeconds(1);
    /** The monotonic clock stops while the host sleeps: a timer set far ahead is set again at least this often. */
    private static final Duration LONGEST_WAIT = Duration.ofHours(1);

    private final Channel connection;
    private final ConnectionIdentity identity;
    private final PeerFacts.Tls peer;
    private final PeerIdentifier identifier;
    private ScheduledFuture<?> timer;

    private CertificateExpiry(
            Channel connection, ConnectionIdentity identity, PeerFacts.Tls peer, PeerIdentifier identifier) {
        this.connection = connection;
        this.identity = identity;
        this.peer = peer;
        this.identifier = identifier;
    }

    /** On the connection's event loop, once it is served: watches the chain it was identified by, if any. */
    static void watch(Channel connection, PeerIdentifier identifier) {
        ConnectionIdentity identity = ConnectionIdentity.of(connection);
        if (identity != null && identity.facts() instanceof PeerFacts.Tls tls) {
            CertificateExpiry expiry = new CertificateExpiry(connection, identity, tls, identifier);
            connection.closeFuture().addListener(f -> expiry.cancel());
            expiry.arm();
        }
    }

    /** The first notAfter (plus the margin) still ahead; none when every certificate has passed its own. */
    private Instant nextExpiry(Instant now) {
        Instant next = null;
        for (X509Certificate c : peer.chain()) {
            Instant at = c.getNotAfter().toInstant().plus(MARGIN);
            if (at.isAfter(now) && (next == null || at.isBefore(next))) {
                next = at;
            }
        }
        return next;
    }

    private void arm() {
        Instant now = Instant.now();
        Instant next = nextExpiry(now);
        if (next == null || !connection.isOpen()) {
            return;
        }
        Duration wait = Duration.between(now, next);
        boolean due = wait.compareTo(LONGEST_WAIT) <= 0;
        timer = connection
                .eventLoop()
                .schedule(
                        due ? this::expired : this::arm, (due ? wait : LONGEST_WAIT).toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A certificate of the chain has passed its notAfter: decided again; still the same VM's, the next one is watched. */
    private void expired() {
        if (!connection.isActive()) {
            return;
        }
        if (identity.stillHolds(identifier)) {
            arm(); // a certificate the decision does not depend on (a trust anchor sent along)
        } else {
            connection.close();
        }
    }

    private void cancel() {
        ScheduledFuture<?> armed = timer;
        if (armed != null) {
            armed.cancel(false);
        }
    }
}
