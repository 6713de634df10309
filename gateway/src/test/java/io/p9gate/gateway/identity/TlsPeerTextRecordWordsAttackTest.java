package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.certs.Fingerprint;
import io.p9gate.gateway.certs.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack on the audit record of a refused TLS connection (R-AUD-1): its {@code reason=} quoted what the peer chose
 * as it was sent, the subject of a certificate that is no VM's and the server name (SNI) of a ClientHello that the TLS
 * library quotes when it fails the handshake. A subject's spaces made it many words: one reading
 * {@code certificate sha256 <VM a's fingerprint>} said VM a's certificate had been refused. A server name is not
 * even escaped by the library: its {@code phase=intent}, {@code repeat_of=1} and {@code peer=} were words of the
 * record as the gateway writes them. Each is now one word, escaped as any guest text
 * ({@link DetailWords#word}), that reads back exactly.
 */
class TlsPeerTextRecordWordsAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aCertificateSubjectIsOneWordOfTheRecord() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        String victim =
                Fingerprint.sha256(certificate(listener.pki().dir().resolve("a").resolve(TestPki.CLIENT_CERT)));
        // A CN is at most 64 characters (RFC 5280): half of a's fingerprint, as an operator would look it up.
        String named = "certificate sha256 " + victim.substring(0, 32);
        X500Principal hostile = new X500Principal(new X500NameBuilder()
                .addRDN(BCStyle.CN, "x) is fine; " + named)
                .addRDN(BCStyle.O, "\"é\" peer=evil\n(CN=a")
                .build()
                .getEncoded());
        SslContext client = listener.selfSignedClient(hostile);
        try (IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            listener.assertRefused(client);
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            String detail = rig.refusals().getFirst().request().detail();
            String reason = detail.substring(detail.indexOf(" reason=") + 1);
            assertFalse(reason.contains(named), "no second certificate: " + detail);
            List<String> words = Arrays.asList(reason.split(" "));
            assertTrue(
                    words.stream().map(DetailWords::text).anyMatch(w -> w.equals("(" + hostile.getName() + ")")),
                    "the subject is one word that reads back: " + words);
            assertEquals(1, peerWords(detail), detail);
        }
    }

    @Test
    void aServerNameIsOneWordOfTheRecord() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        byte[] hello = TlsPeerTextLogLineAttackTest.clientHello("x phase=intent repeat_of=1 peer=evil");
        try (IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            listener.helloUntilClosed(hello);
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            String detail = rig.refusals().getFirst().request().detail();
            List<String> words = Arrays.asList(detail.split(" "));
            assertFalse(words.contains("phase=intent"), detail);
            assertTrue(words.stream().noneMatch(w -> w.startsWith("repeat_of=")), detail);
            assertEquals(1, peerWords(detail), detail);
            assertTrue(
                    words.stream().map(DetailWords::text).anyMatch(w -> w.contains("x phase=intent repeat_of=1")),
                    "the server name reads back: " + detail);
        }
    }

    private static long peerWords(String detail) {
        return Arrays.stream(detail.split(" "))
                .filter(w -> w.startsWith(DetailWords.PEER))
                .count();
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
