package io.p9gate.gateway.server;

import java.net.SocketAddress;
import java.util.List;

/** A running gateway: its listeners, sessions and worker threads. */
public final class Gateway implements AutoCloseable {

    private Gateway() {
    }

    /** Binds every listener and starts serving; fails (IOException) if any cannot be bound. */
    public static Gateway start(GatewayConfig config) throws java.io.IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The actual bound addresses, in the order of the config's listeners (resolves port 0). */
    public List<SocketAddress> boundAddresses() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stops accepting, closes every session (releasing fids), stops the workers. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
