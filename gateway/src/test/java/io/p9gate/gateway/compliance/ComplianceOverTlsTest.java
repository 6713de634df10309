package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite reaches a VM whose listener is mutual TLS as that VM, with {@code --tls-cert VM=CERT,KEY} (the CA of
 * the gateway's certificate found beside CERT, as {@code p9gate certs} lays them out), against
 * {@code serve --policy --tls-cert --tls-key}, and shows that the VM's pin refuses certificates that are not its own;
 * without {@code --tls-cert} that VM is skipped, saying how, and its pin is listed as not probed.
 */
class ComplianceOverTlsTest {
    @TempDir
    Path tmp;

    @Test
    void aTlsVmIsProbedWithItsCertificate() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("vm1", Duration.ofDays(1));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("readme"), "hello");
        Path policy = Files.writeString(
                tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: tls:127.0.0.1:%d
                    client-cert: {ca: %s, subject: "CN=vm1"}
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(port, pki.dir().resolve(TestPki.CA_CERT), share));
        Path vm1 = pki.dir().resolve("vm1");
        try (ServedGateway served = ServedGateway.serve(
                policy,
                Files.createDirectories(tmp.resolve("gw")),
                "--tls-cert",
                pki.dir().resolve(TestPki.SERVER_CERT).toString(),
                "--tls-key",
                pki.dir().resolve(TestPki.SERVER_KEY).toString())) {
            SuiteRun run = SuiteRun.against(
                    policy,
                    served,
                    tmp.resolve("report"),
                    "--tls-cert",
                    "vm1=" + vm1.resolve(TestPki.CLIENT_CERT) + "," + vm1.resolve(TestPki.CLIENT_KEY));
            assertEquals(List.of(), run.lines("FAIL"), run::describe);
            assertTrue(run.lines("pass").stream().anyMatch(l -> l.contains("vm1/")), run::describe);
            // The pin is probed from outside: no certificate, a self-signed one and another CA's, each with the VM's
            // subject, are refused, and the VM's own is served. Nothing is left unprobed: the run passes.
            for (String check : List.of("no-certificate", "self-signed", "other-ca", "vm-certificate")) {
                assertTrue(
                        run.lines("pass").stream().anyMatch(l -> l.contains("vm1/listener/client-cert/" + check + ":")),
                        () -> check + " passes: " + run.describe());
            }
            assertEquals(List.of(), run.lines("skip"), run::describe);
            assertEquals(SuiteReport.EXIT_PASSED, run.exitCode(), run::describe);

            SuiteRun without = SuiteRun.of("compliance", "run", "--policy", policy.toString());
            assertTrue(without.out().contains("skip R-DEP-1   vm1/listener"), without::describe);
            assertTrue(without.out().contains("--tls-cert VM=CERT,KEY[,CA]"), without::describe);
            assertTrue(
                    without.lines("skip").stream()
                            .anyMatch(l -> l.contains("vm1/listener/client-cert:") && l.contains("not probed (")),
                    without::describe);
        }
    }
}
