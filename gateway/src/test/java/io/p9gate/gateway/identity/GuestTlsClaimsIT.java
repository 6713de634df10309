package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.guest.GuestHarness;
import io.p9gate.gateway.guest.GuestResult;
import io.p9gate.gateway.guest.GuestRun;
import io.p9gate.gateway.guest.RepoPaths;
import io.p9gate.gateway.server.PeerIdentifier;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Linux client over mutual TLS claiming another VM (tls.sh with OTHER): with VM a's certificate, a mount whose
 * Tattach says uname b (in each dialect) gets a's share, and one that also names b's share as aname mounts nothing,
 * a's refused attach recorded; b's share is left as it was. A certificate the policy's CRL revokes, for a VM that is
 * in the policy, cannot mount and its refusal is recorded as a revocation.
 */
class GuestTlsClaimsIT {
    @TempDir
    Path tmp;

    @Test
    void theCertificateNotTheClaimedNamesDecidesAndARevokedOneMountsNothing() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a", "b", "r");
        pki.revoke("r");
        Path crl = pki.dir().resolve(TestPki.CA_CRL);
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        int port = GuestTlsIT.freeLoopbackPort();
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        Path script = RepoPaths.guestScripts().resolve("tls.sh");
        try (IdentityRig rig = new IdentityRig(tmp)) {
            Path shareR = Files.createDirectories(tmp.resolve("share-r"));
            rig.start("""
                    a:
                      listen: tls:127.0.0.1:%1$d
                      client-cert: {ca: %2$s, subject: "CN=a", crl: %3$s}
                      shares: {a: {path: %%A, access: read-write}}
                    b:
                      listen: tls:127.0.0.1:%1$d
                      client-cert: {ca: %2$s, subject: "CN=b", crl: %3$s}
                      shares: {b: {path: %%B, access: read-write}}
                    r:
                      listen: tls:127.0.0.1:%1$d
                      client-cert: {ca: %2$s, subject: "CN=r", crl: %3$s}
                      shares: {r: {path: %4$s, access: read-write}}
                    """.formatted(port, ca, crl, shareR), IdentityRig.serverTls(pki));

            for (String dialect : List.of("9p2000.L", "9p2000.u", "9p2000")) {
                GuestResult claimed = harness.runTls(
                        "p9gate-tls-claims-uname-" + dialect,
                        server,
                        pki.dir().resolve("a"),
                        GuestRun.script(script)
                                .withDialect(dialect)
                                .withMountOpts("uname=b")
                                .withEnv("VIEW", "a")
                                .withEnv("OTHER", "b")
                                .withTimeout(Duration.ofMinutes(2)));
                assertEquals(List.of(), claimed.failed(), claimed::describe);
                assertEquals(4, claimed.checks().size(), claimed::describe);
                assertEquals(0, GuestTlsIT.scriptExit(claimed), claimed::describe);
                assertEquals("from a\n", Files.readString(rig.shareA.resolve("written-by-a")), dialect);
                Files.delete(rig.shareA.resolve("written-by-a"));
            }
            assertTrue(
                    rig.records.stream().allMatch(r -> r.request().vm().equals("a")),
                    () -> "records of another VM than a: "
                            + rig.records.stream()
                                    .filter(r -> !r.request().vm().equals("a"))
                                    .toList());

            GuestResult otherShare = harness.runTls(
                    "p9gate-tls-claims-aname",
                    server,
                    pki.dir().resolve("a"),
                    GuestRun.script(script)
                            .withAname("b")
                            .withMountOpts("uname=b")
                            .withEnv("VIEW", "a")
                            .withEnv("OTHER", "b")
                            .withTimeout(Duration.ofMinutes(2)));
            assertEquals(125, GuestTlsIT.scriptExit(otherShare), otherShare::describe);
            List<AuditEntry> attaches = rig.records.stream()
                    .filter(r ->
                            !r.decision().allowed() && "b".equals(r.request().share()))
                    .toList();
            assertTrue(
                    !attaches.isEmpty()
                            && attaches.stream().allMatch(r -> r.request().vm().equals("a")),
                    () -> "a's refused attach of share b: " + rig.records);

            int before = rig.refusals().size();
            GuestResult revoked = harness.runTls(
                    "p9gate-tls-claims-revoked",
                    server,
                    pki.dir().resolve("r"),
                    GuestRun.script(script)
                            .withEnv("VIEW", "r")
                            .withEnv("OTHER", "a")
                            .withTimeout(Duration.ofMinutes(2)));
            assertEquals(125, GuestTlsIT.scriptExit(revoked), revoked::describe);
            assertTrue(revoked.output().contains("guest could not mount the 9P server"), revoked::describe);
            List<AuditEntry> refused =
                    rig.refusals().subList(before, rig.refusals().size());
            assertTrue(!refused.isEmpty(), "the revoked certificate's refusal is audited");
            assertTrue(
                    refused.stream()
                            .allMatch(r -> r.request().vm().equals("r")
                                    && r.decision().ruleIds().equals(List.of(PeerIdentifier.RULE_TLS))
                                    && r.request().detail().contains("is revoked by " + crl)),
                    refused.toString());
        }
        assertEquals(List.of("b.txt"), names(tmp.resolve("share-b")));
        assertEquals(List.of(), names(tmp.resolve("share-r")));
    }

    private static List<String> names(Path dir) throws Exception {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
