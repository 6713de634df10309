package io.p9gate.gateway.server;

/**
 * The gate every listener has (R-ROB-2): on the accept thread, each connection it admits takes a place counted
 * against a bound (a VM's connections, or those awaiting their TLS handshake) before any event loop holds it. A
 * listener whose connections took their place only on the loops let a peer reconnecting in a loop pile up accepted
 * descriptors, counted nowhere, while those loops were busy (AcceptBacklogAttackTest, UnidentifiedAcceptBacklogAttackTest,
 * VsockAcceptBacklogAttackTest). {@link Gateway} gives each listener one, whatever its kind.
 */
abstract class PlaceGate extends AcceptGate {}
