package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.SocketAddress;

/** A binder that binds as {@link #delegate} does: for a test that changes only how its connections are identified. */
interface ForwardingBinder extends ListenerBinder {
    ListenerBinder delegate();

    @Override
    default void configure(ServerBootstrap bootstrap) throws IOException {
        delegate().configure(bootstrap);
    }

    @Override
    default SocketAddress address() {
        return delegate().address();
    }

    @Override
    default SocketAddress boundAddress(Channel server) {
        return delegate().boundAddress(server);
    }
}
