package io.p9gate.gateway.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
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
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3")
                    .keyManager(certificate.toFile(), key.toFile())
                    .trustManager(ca.toFile())
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException(
                    "TLS client certificate " + certificate + ", key " + key + ", CA " + ca + ": " + e.getMessage(), e);
        }
    }
}
