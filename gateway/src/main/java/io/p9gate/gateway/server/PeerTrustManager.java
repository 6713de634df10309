package io.p9gate.gateway.server;

import java.lang.ref.WeakReference;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Decides a TLS client certificate during the handshake: the {@link PeerIdentifier} says which VM it is, or
 * refuses it (unknown, revoked, expired, ambiguous), and a refused certificate fails the handshake with the
 * identifier's reason, so the client learns it from a TLS alert instead of a connection that just closes. The
 * VM travels with the session to {@link TlsIdentityGate}.
 */
final class PeerTrustManager extends X509ExtendedTrustManager {
    /** The SSLSession value that carries the accepted VM ({@link Decided}) from the handshake to the gate. */
    static final String VM = "io.p9gate.vm";

    /**
     * The VM and the engine whose handshake decided it. A TLS 1.3 client that resumes a session (a PSK) sends no
     * certificate, so this trust manager is not asked and the resumed session carries the earlier connection's
     * value: the gate must not take it as decided for its own connection (the policy may have changed since).
     * The engine is held weakly, so that the session cache keeps no closed connection alive.
     */
    record Decided(String vm, WeakReference<SSLEngine> by) {
        boolean decidedFor(SSLEngine engine) {
            return by.get() == engine;
        }
    }

    private final ListenSpec.Tls listener;
    private final PeerIdentifier identifier;

    PeerTrustManager(ListenSpec.Tls listener, PeerIdentifier identifier) {
        this.listener = listener;
        this.identifier = identifier;
    }

    /** A certificate the identifier refused; the refusal is already recorded and logged. */
    static final class Refused extends CertificateException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no client certificate");
        }
        String remote = engine.getPeerHost() + ":" + engine.getPeerPort();
        switch (RefusedPeers.identify(identifier, listener, new PeerFacts.Tls(List.of(chain), remote))) {
            case PeerVerdict.Accepted accepted -> {
                SSLSession session = engine.getHandshakeSession();
                if (session == null) {
                    throw new CertificateException("no handshake session to hold the VM");
                }
                session.putValue(VM, new Decided(accepted.vm(), new WeakReference<>(engine)));
            }
            case PeerVerdict.Refused refused -> throw new Refused(refused.reason());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    /** Only the SSLEngine variant carries the handshake session that takes the VM to the gate. */
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("p9gate's TLS runs on SSLEngine only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the gateway is a TLS server only");
    }

    /** No CA names in the CertificateRequest: pins may be fingerprints of self-signed certificates. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
