package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Red team (R-ROB-2, tls: listeners): {@link NamedAddresses} keeps, for each of up to 64 addresses per VM, the
 * identity its latest handshake established, certificate chain and all, after its connection has closed, charged
 * to no budget. The TLS library bounds a client's chain only to 8 certificates in one 32 KiB handshake message,
 * and a {@code sha256:} pin checks the leaf alone: a VM handshaking from 64 addresses (a guest's IPv6 /64, a
 * sidecar's 127/8) with its leaf and 7 certificates of padding made the gateway hold 64 chains of 31 KB (1.9 MB of
 * DER, more parsed) per VM and listener. A VM's namings now hold at most {@link NamedAddresses#CHAIN_BYTES} of
 * chains together, its least recently named forgotten first, as past its 64 addresses.
 */
class NamedAddressChainMemoryAttackTest {
    /** About what one TLS 1.3 Certificate message can carry: 8 certificates, 32 KiB. */
    private static final int PADDED = 8;

    private static final int PADDING = 3_600;

    @Test
    void aVmsBigChainsFromManyAddressesAreBounded() throws Exception {
        NamedAddresses named = new NamedAddresses();
        InetAddress victim = InetAddress.getByName("127.0.0.2");
        named.named("victim", victim, identity("victim", chain(1, 0), "127.0.0.2:1"));
        for (int i = 0; i < NamedAddresses.ADDRESSES; i++) {
            named.named("hostile", address(i), identity("hostile", chain(PADDED, PADDING), "127.1.0." + i + ":1"));
        }
        long held = heldBytes(named);
        assertTrue(
                held <= NamedAddresses.CHAIN_BYTES + chainBytes(chain(1, 0)),
                "the namings hold " + held + " bytes of certificate chains");
        assertTrue(named.contains(address(NamedAddresses.ADDRESSES - 1)), "the hostile VM's latest address");
        assertFalse(named.contains(address(0)), "its oldest is forgotten: its chains are bounded");
        assertTrue(named.contains(victim), "no other VM's address is forgotten");
    }

    /** A VM's usual chain (a leaf, an intermediate) from 64 addresses keeps them all. */
    @Test
    void usualChainsKeepEveryAddress() throws Exception {
        NamedAddresses named = new NamedAddresses();
        for (int i = 0; i < NamedAddresses.ADDRESSES; i++) {
            named.named("vm", address(i), identity("vm", chain(2, 1_000), "127.1.0." + i + ":1"));
        }
        for (int i = 0; i < NamedAddresses.ADDRESSES; i++) {
            assertTrue(named.contains(address(i)), "address " + i);
        }
        assertEquals(NamedAddresses.ADDRESSES, held(named));
    }

    private static InetAddress address(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {127, 1, 0, (byte) i});
    }

    private static ConnectionIdentity identity(String vm, List<X509Certificate> chain, String remote) {
        // The listener matters not here (a tls: one needs the server's key): the chain is what is kept.
        return new ConnectionIdentity(new ListenSpec.Vsock(5641), new PeerFacts.Tls(chain, remote), vm);
    }

    /** The DER of the chains the namings hold, each visited as a reload's check visits them. */
    private static long heldBytes(NamedAddresses named) {
        AtomicLong bytes = new AtomicLong();
        named.forgetNoLongerHeld(identity -> {
            bytes.addAndGet(chainBytes(((PeerFacts.Tls) identity.facts()).chain()));
            return true;
        });
        return bytes.get();
    }

    private static long held(NamedAddresses named) {
        AtomicLong n = new AtomicLong();
        named.forgetNoLongerHeld(identity -> n.incrementAndGet() > 0);
        return n.get();
    }

    private static long chainBytes(List<X509Certificate> chain) {
        long n = 0;
        for (X509Certificate c : chain) {
            try {
                n += c.getEncoded().length;
            } catch (CertificateEncodingException e) {
                throw new AssertionError(e);
            }
        }
        return n;
    }

    /**
     * {@code n} self-signed certificates, each with {@code padding} bytes in a private extension, parsed from their
     * DER as the TLS library parses a client's.
     */
    private static List<X509Certificate> chain(int n, int padding) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = gen.generateKeyPair();
        X500Principal name = new X500Principal("CN=padded");
        CertificateFactory der = CertificateFactory.getInstance("X.509");
        List<X509Certificate> chain = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var builder = new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.valueOf(i + 1),
                    Date.from(Instant.now().minus(Duration.ofHours(1))),
                    Date.from(Instant.now().plus(Duration.ofDays(1))),
                    name,
                    key.getPublic());
            if (padding > 0) {
                builder.addExtension(
                        new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), false, new DEROctetString(new byte[padding]));
            }
            byte[] encoded = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
                    .getEncoded();
            chain.add((X509Certificate) der.generateCertificate(new ByteArrayInputStream(encoded)));
        }
        return chain;
    }
}
