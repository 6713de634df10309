package io.p9gate.gateway.server;

import io.p9gate.gateway.session.RequestHandlerFactory;
import java.util.List;

/**
 * @param listeners   where to accept connections (at least one)
 * @param handlers    the filesystem half for each negotiated session
 * @param maxMsize    the largest msize the server accepts in Tversion (at most 1 MiB + header)
 * @param workers     threads that serve requests off the event loop
 */
public record GatewayConfig(List<ListenSpec> listeners, RequestHandlerFactory handlers, int maxMsize, int workers) {
    public static final int DEFAULT_MSIZE = 1024 * 1024 + 4096;

    public GatewayConfig {
        listeners = List.copyOf(listeners);
    }
}
