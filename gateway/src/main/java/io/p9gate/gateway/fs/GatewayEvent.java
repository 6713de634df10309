package io.p9gate.gateway.fs;

/** Lifecycle events the audit trail records besides decisions (R-AUD-1). */
public sealed interface GatewayEvent {

    /** The gateway is about to serve; {@code configDigest} covers listeners, shares and options. */
    record Started(String configDigest, String detail) implements GatewayEvent {}

    /** A policy was loaded at start ({@code reload} false) or swapped in by a reload. */
    record PolicyLoaded(String policyDigest, boolean reload, String detail) implements GatewayEvent {}

    /** A 9P session was negotiated on a VM's listener. */
    record SessionOpened(String vm, long session, String peer) implements GatewayEvent {}

    /** A session ended (disconnect, Tversion restart or shutdown); its fids are released. */
    record SessionClosed(String vm, long session) implements GatewayEvent {}
}
