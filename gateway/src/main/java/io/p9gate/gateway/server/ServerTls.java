package io.p9gate.gateway.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.p9gate.audit.note.FileReason;
import io.p9gate.policy.load.IoReason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The gateway's side of its mutual-TLS listeners: its certificate chain and private key (PEM; the key PKCS#8),
 * TLS 1.3 only, a client certificate required. Which client certificates are accepted, and as which VM, is the
 * {@link PeerIdentifier}'s decision, made during the handshake ({@link PeerTrustManager}).
 */
public final class ServerTls {
    static final String PROTOCOL = "TLSv1.3";

    private final Path certificate;
    private final Path key;

    private ServerTls(Path certificate, Path key) {
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Reads and checks the files now (a TLS context is built from them once), so that a bad file stops the
     * start with one line rather than failing every handshake.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    public static ServerTls load(Path certificate, Path key) throws IOException {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        for (Path p : new Path[] {certificate, key}) {
            requireReadable(p);
        }
        ServerTls tls = new ServerTls(certificate, key);
        tls.context(new PeerTrustManager(new ListenSpec.Tls("127.0.0.1", 0, tls), PeerIdentifier.LISTENER_IS_VM));
        TlsKeyMatch.check(certificate, key);
        return tls;
    }

    /**
     * Refuses a TLS file (PEM) that is not there, no regular file or cannot be read, in the one wording of every
     * command ({@code FILE: REASON}); {@code compliance run --tls-cert} checks its files with it too.
     *
     * @throws IOException naming {@code p} and why
     */
    public static void requireReadable(Path p) throws IOException {
        // A FIFO held serve in open(2) for ever (BadInputExitCodeTest). One not there is said by the read.
        Optional<String> why = Files.exists(p) ? FileReason.notARegularFile(p) : Optional.empty();
        if (why.isPresent()) {
            throw new IOException(why.get() + " (not a TLS file)");
        }
        try (InputStream in = Files.newInputStream(p)) {
            in.read();
        } catch (IOException e) {
            // FILE: REASON, as every command says a file (docs/cli.md); was "cannot read TLS file FILE: REASON".
            throw new IOException(FileReason.said(p, IoReason.of(e)), e);
        }
    }

    public Path certificate() {
        return certificate;
    }

    public Path key() {
        return key;
    }

    /** A server context whose client certificates {@code trust} decides. */
    SslContext context(TrustManager trust) throws IOException {
        try {
            return SslContextBuilder.forServer(certificate.toFile(), key.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOL)
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(trust)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("TLS certificate " + certificate + " with key " + key + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return "certificate " + certificate + ", key " + key;
    }
}
