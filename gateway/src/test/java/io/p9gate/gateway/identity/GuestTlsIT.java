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
import io.p9gate.gateway.server.ServerTls;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Linux 9P client over mutual TLS (issue 9 item 4): the harness's {@code --tls-dir} makes the guest's
 * connection TLS with a VM's client certificate. Two VMs share one {@code tls:} listener; a guest with VM a's
 * certificate mounts a's share, one with b's certificate gets b's view through the same address, and one with a
 * certificate of another CA cannot mount at all, the refusal audited; nor can one the same CA issued for a name no
 * VM has, or VM a's own once it expired, each refusal audited with its reason.
 *
 * <p>The verdict is the harness's own line {@code run-guest: script exit N}: with {@code --tls-dir} (socat
 * sidecar) run-guest.sh's exit status is the sidecar's, not the script's (its cleanup waits for the killed
 * socat under {@code set -e}), so a passing run exits 143.
 */
class GuestTlsIT {
    @TempDir
    Path tmp;

    @Test
    void theClientCertificateDecidesWhichVmAGuestIs() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("a", Duration.ofDays(1));
        pki.issueClient("b", Duration.ofDays(1));
        TestPki stranger = TestPki.create(tmp.resolve("stranger"), "stranger CA", List.of(), Duration.ofDays(1));
        stranger.issueClient("a", Duration.ofDays(1));
        // The stranger trusts the gateway (so the gateway sees its certificate), but its own is of another CA.
        Files.copy(
                pki.dir().resolve(TestPki.CA_CERT),
                stranger.dir().resolve("a").resolve(TestPki.CA_CERT),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int port = freeLoopbackPort();
        ServerTls tls =
                ServerTls.load(pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY));
        Path script = RepoPaths.guestScripts().resolve("tls.sh");
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        try (IdentityRig rig = new IdentityRig(tmp)
                .start(
                        """
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a"}
                  shares: {a: {path: %%A, access: read-write}}
                b:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=b", san: "DNS:b"}
                  shares: {b: {path: %%B, access: read-write}}
                """.formatted(
                                        port,
                                        pki.dir().resolve(TestPki.CA_CERT),
                                        port,
                                        pki.dir().resolve(TestPki.CA_CERT)),
                        tls)) {
            GuestResult a = harness.runTls(
                    "p9gate-tls-a",
                    server,
                    pki.dir().resolve("a"),
                    GuestRun.script(script).withEnv("VIEW", "a"));
            assertEquals(List.of(), a.failed(), a::describe);
            assertEquals(3, a.checks().size(), a::describe);
            assertEquals(0, scriptExit(a), a::describe);

            GuestResult b = harness.runTls(
                    "p9gate-tls-b",
                    server,
                    pki.dir().resolve("b"),
                    GuestRun.script(script).withEnv("VIEW", "b"));
            assertEquals(List.of(), b.failed(), b::describe);
            assertEquals(3, b.checks().size(), b::describe);
            assertEquals(0, scriptExit(b), b::describe);
            assertEquals(List.of(), rig.refusals());

            GuestResult unknown = harness.runTls(
                    "p9gate-tls-unknown",
                    server,
                    stranger.dir().resolve("a"),
                    GuestRun.script(script).withEnv("VIEW", "a").withTimeout(Duration.ofMinutes(2)));
            assertEquals(125, scriptExit(unknown), unknown::describe);
            assertTrue(unknown.output().contains("guest could not mount the 9P server"), unknown::describe);
            List<AuditEntry> refused = rig.refusals();
            assertTrue(!refused.isEmpty(), "the unknown certificate's refusal is audited");
            assertTrue(
                    refused.stream()
                            .allMatch(r -> r.decision().ruleIds().equals(List.of(PeerIdentifier.RULE_TLS))
                                    && r.request().detail().contains("is no VM's")),
                    refused.toString());
        }
        assertEquals("from a\n", Files.readString(tmp.resolve("share-a").resolve("written-by-a")));
        assertEquals("from b\n", Files.readString(tmp.resolve("share-b").resolve("written-by-b")));
        assertTrue(Files.notExists(tmp.resolve("share-a").resolve("written-by-b")));
    }

    /**
     * A certificate the policy's CA issued that is still no VM's: for a name no VM has, and VM a's own, expired. The
     * guest cannot mount (the handshake fails, no 9P byte is read) and each refusal is audited, saying which it was.
     */
    @Test
    void aCertificateForNoVmsNameOrExpiredMountsNothingAndIsRecorded() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("ghost", Duration.ofDays(1));
        pki.issueClient("a", Duration.ofMinutes(-30)); // valid from an hour ago until half an hour ago
        int port = freeLoopbackPort();
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        Path script = RepoPaths.guestScripts().resolve("tls.sh");
        try (IdentityRig rig = new IdentityRig(tmp)
                .start(
                        """
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a"}
                  shares: {a: {path: %%A, access: read-write}}
                """.formatted(port, pki.dir().resolve(TestPki.CA_CERT)),
                        ServerTls.load(
                                pki.dir().resolve(TestPki.SERVER_CERT),
                                pki.dir().resolve(TestPki.SERVER_KEY)))) {
            for (String cert : List.of("ghost", "a")) {
                GuestResult run = harness.runTls(
                        "p9gate-tls-refused-" + cert,
                        server,
                        pki.dir().resolve(cert),
                        GuestRun.script(script).withEnv("VIEW", "a").withTimeout(Duration.ofMinutes(2)));
                assertEquals(125, scriptExit(run), run::describe);
                assertTrue(run.output().contains("guest could not mount the 9P server"), run::describe);
            }
            List<String> refused = rig.refusals().stream()
                    .map(r -> r.request().vm() + " " + r.decision().ruleIds() + " "
                            + r.request().detail().replaceAll(".* reason=", "").replaceAll("sha256 \\S+ ", ""))
                    .distinct()
                    .toList();
            assertEquals(2, refused.size(), refused.toString());
            assertTrue(
                    refused.getFirst().matches(" \\[identity.certificate\\] certificate \\(CN%3dghost\\) is no VM's.*"),
                    refused.toString());
            assertTrue(
                    refused.get(1).matches("a \\[identity.certificate\\] certificate expired on .*"),
                    refused.toString());
        }
        assertTrue(Files.notExists(tmp.resolve("share-a").resolve("written-by-a")));
    }

    static int freeLoopbackPort() throws java.io.IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** The status of the guest's script as run-guest.sh reports it, or -1 when it did not say. */
    static int scriptExit(GuestResult run) {
        Matcher m = Pattern.compile("run-guest: script exit (\\d+)").matcher(run.output());
        int last = -1;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }
}
