package io.p9gate.gateway.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * The client side of a VM's mutual-TLS connection: its certificate and key (PEM, PKCS#8), the CA that issued the
 * gateway's certificate, TLS 1.3 only; the gateway's name is checked against its certificate (SAN).
 */
public final class ClientTls {
    private ClientTls() {}

    /** @throws IOException naming the files when they cannot be used */
    public static SslContext of(Path certificate, Path key, Path ca) throws IOException {
        try {
            return trusting(ca).keyManager(certificate.toFile(), key.toFile()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException(
                    "TLS client certificate " + certificate + ", key " + key + ", CA " + ca + ": " + e.getMessage(), e);
        }
    }

    /**
     * A client presenting {@code chain} (its own certificate first) with {@code key}, or no certificate at all when
     * {@code chain} is empty: what a peer that is not the VM offers, for probes that the gateway refuses it.
     */
    public static SslContext presenting(PrivateKey key, Path ca, X509Certificate... chain) throws IOException {
        try {
            SslContextBuilder builder = trusting(ca);
            return (chain.length == 0 ? builder : builder.keyManager(key, chain)).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("TLS client with CA " + ca + ": " + e.getMessage(), e);
        }
    }

    private static SslContextBuilder trusting(Path ca) {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3")
                .trustManager(ca.toFile())
                .endpointIdentificationAlgorithm("HTTPS");
    }
}
