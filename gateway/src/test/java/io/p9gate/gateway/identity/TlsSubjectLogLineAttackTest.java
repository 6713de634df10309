package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.testing.LoggedLines;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack on the operator's log (R-AUD-5): whoever reaches a {@code tls:} listener may present any certificate, and
 * one that is no VM's is refused with a warning line naming its subject. A subject is the client's text: a
 * self-signed certificate's CN holding a newline and a complete fake log line forged a second line in the
 * gateway's log (the one-line format outside the journal), and its ANSI and bidi sequences reached the terminal of
 * whoever followed the log. The line now shows them escaped, as {@code audit show} does, on one line.
 */
class TlsSubjectLogLineAttackTest {
    /** A CN is at most 64 characters (RFC 5280). */
    private static final String FORGED = "2026-01-01T00:00 INFO Gateway: VM a ok";

    @TempDir
    Path tmp;

    @Test
    void aCertificateSubjectCannotForgeOrColourALogLine() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        KeyPair mine = TlsPeerIdentityTest.newKeyPair();
        // Built from its encoding: the string parser takes no ';' (RFC 1779's separator) nor some controls.
        X500Principal hostile = new X500Principal(new X500NameBuilder()
                .addRDN(BCStyle.CN, "x\n" + FORGED + "\u001b[2J\u001b]0;t\u0007\u009b1m\u202egnp")
                .build()
                .getEncoded());
        X509Certificate selfSigned =
                TlsPeerIdentityTest.mint(hostile, mine.getPublic(), hostile, mine.getPrivate(), Instant.now(), false);
        SslContext client = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3")
                .keyManager(mine.getPrivate(), selfSigned)
                .trustManager(listener.pki().dir().resolve(TestPki.CA_CERT).toFile())
                .build();
        try (LoggedLines logged = new LoggedLines("io.p9gate.gateway.server.RefusedPeers");
                IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            assertThrows(IOException.class, () -> {
                try (P9Client c = P9Client.connect(new InetSocketAddress("127.0.0.1", listener.port()), 8192, client)) {
                    c.version(8192, "9P2000.L");
                    c.attach(0, "root", "a", 0);
                }
            });
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            List<String> lines = logged.startingWith("refused a connection");
            assertEquals(1, lines.size(), "one warning line for the refusal: " + lines);
            String line = lines.getFirst();
            assertTrue(line.contains("CN=x\\n" + FORGED), "the subject is shown, escaped: " + line);
            assertTrue(
                    line.chars().allMatch(c -> c >= 0x20 && c < 0x7f),
                    "no newline, escape sequence or bidi override reaches the log: " + line);
        }
    }
}
