package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
        Path policy = policy(pki, "");
        try (ServedGateway served = serve(pki, policy)) {
            SuiteRun run = run(pki, policy, served);
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

    /**
     * A TLS VM with limits.connections 2 and its live mount: the suite probes the pin before it opens its main session,
     * so the VM's own certificate has a place and is served. Before session 44 the suite's session held the second
     * place, and the check was skipped ("its limits.connections (2) reached"), whatever the gateway did with the
     * certificate (session 43: failed, "the gateway refused the certificate its pin names", on a faithful gateway).
     */
    @Test
    void theVmsOwnCertificateIsServedAtAConnectionLimitOfTwo() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        Path policy = policy(pki, "limits: {connections: 2}");
        Path vm1 = pki.dir().resolve("vm1");
        int port = Integer.parseInt(Files.readString(policy).replaceAll("(?s).*listen: tls:127.0.0.1:(\\d+).*", "$1"));
        SuiteRun run;
        try (ServedGateway served = serve(pki, policy);
                P9Client mount = P9Client.connect(
                        new InetSocketAddress("127.0.0.1", port),
                        8192,
                        ClientTls.of(
                                vm1.resolve(TestPki.CLIENT_CERT),
                                vm1.resolve(TestPki.CLIENT_KEY),
                                pki.dir().resolve(TestPki.CA_CERT)))) {
            mount.version(8192, P9Client.VERSION); // the guest's mount: one of vm1's two connections
            run = run(pki, policy, served);
        }
        System.out.println("tls at its limit: exit " + run.exitCode() + ": " + String.join(" | ", run.lines("FAIL"))
                + " || " + String.join(" | ", run.lines("skip")));
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertTrue(
                run.lines("pass").stream().anyMatch(l -> l.contains(" vm1/listener/client-cert/vm-certificate:")),
                run::describe);
    }

    /** vm1 on a free loopback port, pinned to the test CA and CN=vm1 (its client certificate issued). */
    private Path policy(TestPki pki, String limits) throws Exception {
        pki.issueClient("vm1", Duration.ofDays(1));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("readme"), "hello");
        return Files.writeString(
                tmp.resolve("p.yaml"), """
                image: t
                vms:
                  vm1:
                    listen: tls:127.0.0.1:%d
                    client-cert: {ca: %s, subject: "CN=vm1"}
                    %s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(port, pki.dir().resolve(TestPki.CA_CERT), limits, share));
    }

    private ServedGateway serve(TestPki pki, Path policy) throws Exception {
        return ServedGateway.serve(
                policy,
                Files.createDirectories(tmp.resolve("gw")),
                "--tls-cert",
                pki.dir().resolve(TestPki.SERVER_CERT).toString(),
                "--tls-key",
                pki.dir().resolve(TestPki.SERVER_KEY).toString());
    }

    /** The suite against {@code served} with vm1's certificate. */
    private SuiteRun run(TestPki pki, Path policy, ServedGateway served) {
        Path vm1 = pki.dir().resolve("vm1");
        return SuiteRun.against(
                policy,
                served,
                tmp.resolve("report"),
                "--tls-cert",
                "vm1=" + vm1.resolve(TestPki.CLIENT_CERT) + "," + vm1.resolve(TestPki.CLIENT_KEY));
    }
}
