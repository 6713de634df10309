package io.p9gate.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.p9gate.audit.BoundedWord;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

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
            String vm = vmOf(tls.engine());
            if (vm != null) {
                List<X509Certificate> chain = chainOf(tls.engine().getSession());
                if (chain != null) {
                    ConnectionIdentity.remember(ctx.channel(), listener, new PeerFacts.Tls(chain, peer), vm);
                }
                ctx.pipeline().remove(this);
                accepted.accept(vm);
                return;
            }
            ctx.close();
            return;
        }
        if (done.cause() instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
            HandshakeCost.closedByGateway(ctx.channel());
        }
        if (!refusedByIdentifier(done.cause())) {
            // The library's message may quote the peer's text (a server name it refused, its bytes in hex too): one
            // bounded word of the record (a 9 KB name took 46 KB, identity.TlsRefusalRecordSizeAttackTest).
            RefusedPeers.unidentified(
                    identifier, listener, peer, "TLS handshake failed: " + BoundedWord.of(message(done.cause())));
        }
        ctx.close();
    }

    /**
     * The VM this connection's handshake named; for a resumed session (no certificate sent, the trust manager not
     * asked) the session's certificate decided again under the current policy, so that a revocation or a
     * changed pin since the first connection holds. Null when refused (recorded by the identifier and logged, as a
     * full handshake's refusal is; the connection's close counts toward its address's penalty as one does).
     */
    private String vmOf(SSLEngine engine) {
        SSLSession session = engine.getSession();
        if (session.getValue(PeerTrustManager.VM) instanceof PeerTrustManager.Decided d && d.decidedFor(engine)) {
            return d.vm();
        }
        List<X509Certificate> chain = chainOf(session);
        if (chain == null) {
            RefusedPeers.unidentified(identifier, listener, peer, "TLS session resumed without a client certificate");
            return null;
        }
        return RefusedPeers.identify(identifier, listener, new PeerFacts.Tls(chain, peer))
                        instanceof PeerVerdict.Accepted a
                ? a.vm()
                : null;
    }

    /** The client's certificate chain, leaf first, or null if the session has none. */
    private static List<X509Certificate> chainOf(SSLSession session) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : session.getPeerCertificates()) {
                chain.add((X509Certificate) c);
            }
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            return null;
        }
        return chain.isEmpty() ? null : chain;
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
