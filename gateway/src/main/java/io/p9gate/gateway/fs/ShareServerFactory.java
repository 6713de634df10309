package io.p9gate.gateway.fs;

import io.p9gate.gateway.session.ConnectionContext;
import io.p9gate.gateway.session.RequestHandler;
import io.p9gate.gateway.session.RequestHandlerFactory;
import java.nio.file.Path;
import java.util.Map;

/** Serves the named shares (attach name to host directory). PLACEHOLDER until the fs half lands. */
public final class ShareServerFactory implements RequestHandlerFactory {
    private final Map<String, Path> shares;

    public ShareServerFactory(Map<String, Path> shares) {
        this.shares = Map.copyOf(shares);
    }

    @Override
    public RequestHandler open(ConnectionContext context) {
        throw new UnsupportedOperationException("filesystem operations not implemented yet: " + shares.keySet());
    }
}
