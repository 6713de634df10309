package io.p9gate.gateway.session;

/** Creates the filesystem half of a session once Tversion has fixed its msize. */
@FunctionalInterface
public interface RequestHandlerFactory {
    RequestHandler open(ConnectionContext context);
}
