package io.p9gate.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.Consumer;

/**
 * Holds a TLS connection until its handshake ends: then the 9P session starts for the VM the certificate named
 * ({@link PeerTrustManager}), or the connection is closed. Handshake failures that the identifier did not see
 * (no certificate, no TLS 1.3, garbage) are reported to it so that they are recorded too. Nothing but the
 * handshake can reach this handler: application data only flows after it.
 */
final class TlsIdentityGate extends ChannelInboundHandlerAdapter {
    private final ListenSpec.Tls listener;
    private final PeerIdentifier identifier;
    private final String peer;
    private final Consumer<String> accepted;

    TlsIdentityGate(ListenSpec.Tls listener, PeerIdentifier identifier, String peer, Consumer<String> accepted) {
        this.listener = listener;
        this.identifier = identifier;
        this.peer = peer;
        this.accepted = accepted;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent done)) {
            super.userEventTriggered(ctx, event);
            return;
        }
        if (done.isSuccess()) {
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            Object vm = tls.engine().getSession().getValue(PeerTrustManager.VM);
            if (vm instanceof String name) {
                ctx.pipeline().remove(this);
                accepted.accept(name);
                return;
            }
            ctx.close(); // cannot happen: a handshake succeeds only through PeerTrustManager's acceptance
            return;
        }
        if (done.cause() instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
            HandshakeCost.timedOut(ctx.channel());
        }
        if (!refusedByIdentifier(done.cause())) {
            String reason = "TLS handshake failed: " + message(done.cause());
            identifier.handshakeFailed(listener, peer, reason);
            RefusedPeers.log(listener, new PeerVerdict.Refused("", PeerIdentifier.RULE_TLS, reason));
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The handshake's failure arrives as the completion event above; SslHandler also reports it here.
        ctx.close();
    }

    private static boolean refusedByIdentifier(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof PeerTrustManager.Refused) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
