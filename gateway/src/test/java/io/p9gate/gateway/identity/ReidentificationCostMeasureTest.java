package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.policyadapter.PolicyPeers;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the first request of each TLS connection costs after a reload (HeldIdentity: the connection decided again by
 * its certificate chain, on the thread serving the request: its VM's event loop for a quick request on a listener the
 * VM owns, else a worker the VMs share): the trust material compiled once per policy (PeerRules: every CA and CRL file
 * read, each CRL's signature checked) and, per connection, the pin's match (PKIX validation, the CRL looked up).
 * Printed, never asserted as time. Asserted: where serve registers {@link PolicyPeers#prepare}, the reload compiles
 * the material before its swap, so the first decision after it reads no file (here the CA file is garbage by then).
 */
class ReidentificationCostMeasureTest {
    private static final int CONNECTIONS = 200;
    private static final int VMS = 8;
    private static final int ROUNDS = 15;

    @TempDir
    Path tmp;

    @Test
    void theFirstDecisionAfterAReloadReadsNoTrustMaterialWhereTheReloadPreparedIt() throws Exception {
        Rig rig = new Rig(tmp);
        PolicyReloader reloader = new PolicyReloader(rig.holder);
        reloader.beforeSwap(rig.peers::prepare);
        String lazy = rig.measure(rig.holder::reload);
        String prepared = rig.measure(reloader::reload);
        System.out.println("REIDENTIFY " + VMS + " TLS VMs, compiled by the first request: " + lazy);
        System.out.println("REIDENTIFY " + VMS + " TLS VMs, compiled by the reload: " + prepared);

        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, reloader.reload());
        Files.writeString(rig.caCert, "not a certificate any more\n");
        assertTrue(rig.peers.stillNames(rig.listener, rig.facts, "vm0"), "the CA file was read after the reload");
    }

    private static final class Rig {
        final PolicyHolder holder;
        final PolicyPeers peers;
        final ListenSpec listener;
        final PeerFacts.Tls facts;
        final Path caCert;

        Rig(Path tmp) throws Exception {
            TestPki pki = TestPki.create(tmp.resolve("pki"), "test-ca", List.of(), Duration.ofDays(1));
            pki.issueClient("revoked", Duration.ofDays(1));
            pki.revoke("revoked");
            X509Certificate cert = pki.issueClient("vm0", Duration.ofDays(1));
            // A copy of the CA certificate: the test breaks it, and the TLS listener's own must stay.
            caCert = Files.copy(pki.dir().resolve(TestPki.CA_CERT), tmp.resolve("ca-copy.pem"));
            StringBuilder yaml = new StringBuilder("image: test\nvms:\n");
            for (int i = 0; i < VMS; i++) {
                Path share = Files.createDirectories(tmp.resolve("share" + i));
                yaml.append("""
                          vm%1$d:
                            listen: tls:127.0.0.1:20444
                            client-cert: {ca: %2$s, subject: "CN=vm%1$d", crl: %3$s}
                            shares: {s: {path: %4$s, access: read-write}}
                        """.formatted(i, caCert, pki.dir().resolve(TestPki.CA_CRL), share));
            }
            holder = PolicyHolder.load(Files.writeString(tmp.resolve("policy.yaml"), yaml));
            peers = new PolicyPeers(holder::current, entry -> 0);
            listener = new ListenSpec.Tls(
                    "127.0.0.1",
                    20444,
                    ServerTls.load(
                            pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY)));
            facts = new PeerFacts.Tls(List.of(cert), "127.0.0.1:40000");
        }

        /** Medians over rounds of one reload, then the first connection's decision and each next one's. */
        String measure(Runnable reload) {
            for (int i = 0; i < 1_000; i++) {
                assertTrue(peers.stillNames(listener, facts, "vm0")); // warm
            }
            long[] first = new long[ROUNDS];
            long[] each = new long[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                reload.run();
                long t0 = System.nanoTime();
                assertTrue(peers.stillNames(listener, facts, "vm0"));
                long t1 = System.nanoTime();
                for (int c = 1; c < CONNECTIONS; c++) {
                    assertTrue(peers.stillNames(listener, facts, "vm0"));
                }
                long t2 = System.nanoTime();
                first[round] = t1 - t0;
                each[round] = (t2 - t1) / (CONNECTIONS - 1);
            }
            Arrays.sort(first);
            Arrays.sort(each);
            return "first connection median %d us (max %d us), each next median %d us (max %d us)"
                    .formatted(
                            first[ROUNDS / 2] / 1000,
                            first[ROUNDS - 1] / 1000,
                            each[ROUNDS / 2] / 1000,
                            each[ROUNDS - 1] / 1000);
        }
    }
}
