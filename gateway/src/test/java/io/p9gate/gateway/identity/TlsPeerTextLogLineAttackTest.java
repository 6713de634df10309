package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
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
 * whoever followed the log. No certificate is needed either: a ClientHello whose server name (SNI) holds them
 * fails the handshake with JSSE's message quoting that name, which the refusal line quoted in turn. The line now
 * shows them escaped, as {@code audit show} does, on one line (and as one word, as the record has them:
 * TlsPeerTextRecordWordsAttackTest).
 */
class TlsPeerTextLogLineAttackTest {
    /** A CN is at most 64 characters (RFC 5280). */
    private static final String FORGED = "2026-01-01T00:00 INFO Gateway: VM a ok";

    @TempDir
    Path tmp;

    @Test
    void aCertificateSubjectCannotForgeOrColourALogLine() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        // Built from its encoding: the string parser takes no ';' (RFC 1779's separator) nor some controls.
        X500Principal hostile = new X500Principal(new X500NameBuilder()
                .addRDN(BCStyle.CN, "x\n" + FORGED + "\u001b[2J\u001b]0;t\u0007\u009b1m\u202egnp")
                .build()
                .getEncoded());
        SslContext client = listener.selfSignedClient(hostile);
        try (LoggedLines logged = new LoggedLines("io.p9gate.gateway.server.RefusedPeers");
                IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            listener.assertRefused(client);
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            assertOneEscapedLine(logged, "CN%3dx\\n" + DetailWords.word(FORGED));
        }
    }

    @Test
    void aServerNameInTheClientHelloCannotForgeALogLine() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        byte[] hello = clientHello("x\n" + FORGED + "\u001b[2J");
        try (LoggedLines logged = new LoggedLines("io.p9gate.gateway.server.RefusedPeers");
                IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            listener.helloUntilClosed(hello);
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            assertOneEscapedLine(logged, "name%3dx\\n" + DetailWords.word(FORGED));
        }
    }

    /**
     * A TLS 1.3 ClientHello naming {@code serverName}: JSSE's own, for a name of the same length that it accepts,
     * with the name's bytes replaced (SNIHostName refuses controls; a hostile client is not bound by it).
     */
    static byte[] clientHello(String serverName) throws Exception {
        return clientHello(serverName, "z".repeat(serverName.length()));
    }

    /** As above, JSSE's hello made for {@code placeholder}, a name it accepts of the same length (labels of 63 at most). */
    static byte[] clientHello(String serverName, String placeholder) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(null, null, null);
        SSLEngine client = tls.createSSLEngine("gateway", 1);
        client.setUseClientMode(true);
        SSLParameters params = client.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(placeholder)));
        client.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        client.wrap(ByteBuffer.allocate(0), out);
        byte[] hello = Arrays.copyOf(out.array(), out.position());
        int at = new String(hello, StandardCharsets.ISO_8859_1).indexOf(placeholder);
        byte[] name = serverName.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(name, 0, hello, at, name.length);
        return hello;
    }

    /** One refusal line, showing {@code shown}, with nothing but printable ASCII. */
    private static void assertOneEscapedLine(LoggedLines logged, String shown) {
        List<String> lines = logged.startingWith("refused a connection");
        assertEquals(1, lines.size(), "one warning line for the refusal: " + lines);
        String line = lines.getFirst();
        assertTrue(line.contains(shown), "the peer's text is shown, escaped: " + line);
        assertTrue(
                line.chars().allMatch(c -> c >= 0x20 && c < 0x7f),
                "no newline, escape sequence or bidi override reaches the log: " + line);
    }
}
