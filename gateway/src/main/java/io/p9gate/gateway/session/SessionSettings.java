package io.p9gate.gateway.session;

import java.util.Objects;

/**
 * Per-connection limits and names that the session needs from its listener.
 *
 * @param listener       {@code ListenSpec.describe()} of the listener the connection came from
 * @param maxMsize       the largest msize Tversion may negotiate (header included)
 * @param maxOutstanding requests served at once per connection; beyond it the session stops reading
 * @param ioLimit        most payload bytes per Tread/Twrite (the iounit), 0 = as msize allows
 * @param vm             the VM the transport identified the connection as (R-DEP-1); "" when the listener itself
 *                       is the VM (serving without a policy)
 * @param ownLoops       the connection's event loops serve its VM alone (a listener the VM owns), so a cheap
 *                       request may be served on them without delaying another VM (see {@link Session})
 * @param identity       whether the connection is still {@code vm} under the policy in force, asked by its requests
 */
public record SessionSettings(
        String listener,
        int maxMsize,
        int maxOutstanding,
        int ioLimit,
        String vm,
        boolean ownLoops,
        IdentityInForce identity) {
    /** Below this an Rread could not carry a useful payload; no real client asks for less. */
    public static final int MIN_MSIZE = 4096;

    public static final int DEFAULT_MAX_OUTSTANDING = 64;

    public SessionSettings {
        if (maxMsize < MIN_MSIZE) {
            throw new IllegalArgumentException("maximum msize must be at least " + MIN_MSIZE + ": " + maxMsize);
        }
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException(
                    "outstanding requests per connection must be at least 1: " + maxOutstanding);
        }
        if (ioLimit < 0) {
            throw new IllegalArgumentException("I/O limit must not be negative: " + ioLimit);
        }
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(identity, "identity");
    }

    /** Before the transport has identified the connection, on loops several VMs may share. */
    public SessionSettings(String listener, int maxMsize, int maxOutstanding, int ioLimit) {
        this(listener, maxMsize, maxOutstanding, ioLimit, "", false, IdentityInForce.LISTENER_IS_VM);
    }

    /** The same settings for a connection the transport identified as {@code vm}. */
    public SessionSettings forVm(String vm) {
        return new SessionSettings(listener, maxMsize, maxOutstanding, ioLimit, vm, ownLoops, identity);
    }

    /** The same settings for a connection whose requests ask {@code identity} whether it is still its VM. */
    public SessionSettings identifiedBy(IdentityInForce identity) {
        return new SessionSettings(listener, maxMsize, maxOutstanding, ioLimit, vm, ownLoops, identity);
    }

    /** The same settings on event loops that serve one VM alone ({@code own}) or several. */
    public SessionSettings onOwnLoops(boolean own) {
        return new SessionSettings(listener, maxMsize, maxOutstanding, ioLimit, vm, own, identity);
    }

    /** Without an I/O limit below msize. */
    public SessionSettings(String listener, int maxMsize, int maxOutstanding) {
        this(listener, maxMsize, maxOutstanding, 0);
    }
}
