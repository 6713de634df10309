package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * On the server channel of a listener one VM owns: a connection arriving after a reload gave the listener to another
 * VM (two VMs' sockets swapped) or to none is refused on the accept thread, recorded as on the VM's loop before. There,
 * each took one of the first VM's connection places until its loop got to it, and its refusal ran on that loop: a
 * flood of connects to the socket held all of the VM's places and slowed its sessions until the restart
 * (SwappedSocketConnectFloodAttackTest). A listener whose VM the transport names ({@code tls:}, {@code vsock:}) passes.
 */
@ChannelHandler.Sharable
final class GivenAwayListenerGate extends AcceptGate {
    private final String vm;
    private final ListenSpec listener;
    private final PeerIdentifier identifier;

    GivenAwayListenerGate(String vm, ListenSpec listener, PeerIdentifier identifier) {
        this.vm = vm;
        this.listener = listener;
        this.identifier = identifier;
    }

    @Override
    boolean admits(Channel child) {
        return identifier
                .givenAway(listener, vm)
                .map(refused -> {
                    identifier.refusedByTransport(listener, PeerNames.describe(child, listener), refused);
                    RefusedPeers.log(listener, refused);
                    return false;
                })
                .orElse(true);
    }
}
