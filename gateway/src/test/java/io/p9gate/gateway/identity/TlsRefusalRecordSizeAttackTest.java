package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack on the audit log's size (R-AUD-1, R-ROB-2): the record of a refused TLS connection quotes what its peer
 * chose, a certificate subject that is no VM's, or the server name JSSE quotes when it fails the handshake, whole.
 * Whoever reaches a {@code tls:} listener, no VM needed, chose some 20 KB of text for each of the refusal budget's
 * 64 distinct refusals a second: a record of tens of KB where one is a few hundred bytes. Such text is now shown
 * as a symlink target is: its prefix, its length and its SHA-256.
 */
class TlsRefusalRecordSizeAttackTest {
    /** What a refused connection's detail may take: AbbreviatedPath.MAX_BYTES of peer text and the writer's words. */
    private static final int DETAIL_BOUND = 4096 + 1024;

    @TempDir
    Path tmp;

    @Test
    void aLongCertificateSubjectTakesABoundedRecord() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        X500NameBuilder name = new X500NameBuilder();
        for (int i = 0; i < 120; i++) {
            name.addRDN(BCStyle.OU, i + " " + "x y ".repeat(14)); // spaces: each three bytes of a record word
        }
        X500Principal hostile = new X500Principal(name.build().getEncoded());
        SslContext client = listener.selfSignedClient(hostile);
        try (IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            listener.assertRefused(client);
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            String detail = rig.refusals().getFirst().request().detail();
            assertTrue(detail.contains("is no VM's"), detail);
            String digest = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(hostile.getName().getBytes(StandardCharsets.UTF_8)));
            assertTrue(detail.contains(digest), "the subject is named by its digest: " + detail);
            assertTrue(
                    detail.length() <= DETAIL_BOUND, detail.length() + " bytes of detail for one refused connection");
        }
    }

    @Test
    void aLongServerNameTakesABoundedRecord() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        // Labels of at most 63 characters for JSSE's SNIHostName; the bytes sent are then replaced by spaces.
        String placeholderLabels = String.join(".", Collections.nCopies(150, "z".repeat(60)));
        byte[] hello =
                TlsPeerTextLogLineAttackTest.clientHello(" ".repeat(placeholderLabels.length()), placeholderLabels);
        try (IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            listener.helloUntilClosed(hello);
            assertEquals(1, rig.refusals().size(), rig.records.toString());
            String detail = rig.refusals().getFirst().request().detail();
            assertTrue(detail.contains("TLS handshake failed"), detail);
            assertTrue(
                    detail.length() <= DETAIL_BOUND, detail.length() + " bytes of detail for one refused connection");
        }
    }
}
