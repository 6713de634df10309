package io.p9gate.gateway.certs;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/** A TLS 1.3 ClientHello made once: replayed, it costs the sender nothing and the gateway a full flight. */
public final class CannedClientHello {
    private CannedClientHello() {}

    /** A client context trusting the servers {@code ca} signed, with no certificate of its own. */
    public static SSLContext noCertificate(Path ca) throws SSLException {
        return ((JdkSslContext) SslContextBuilder.forClient()
                        .sslProvider(SslProvider.JDK)
                        .protocols("TLSv1.3")
                        .trustManager(ca.toFile())
                        .build())
                .context();
    }

    /** The first flight of a client of {@code context} that has no certificate to send, as bytes to replay. */
    public static byte[] of(Path ca) throws SSLException {
        return of(noCertificate(ca));
    }

    /** The first flight of a client of {@code context}, as bytes to send on any connection. */
    public static byte[] of(SSLContext context) throws SSLException {
        SSLEngine engine = context.createSSLEngine("127.0.0.1", 1);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }
}
