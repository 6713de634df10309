package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.VmPolicy;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code V/listener/client-cert/*} tells a pin that refuses impostors from one that does not: against a TLS server
 * that serves any client (no certificate, any issuer), the three impostor checks fail and the VM's own certificate
 * passes. Before, the pin was only listed as not probed, whatever the gateway accepted.
 */
class ClientCertProbeTest {
    @TempDir
    Path tmp;

    @Test
    void aListenerThatServesAnyClientFailsTheImpostorChecks() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        var serverTls = (JdkSslContext) serverTls(pki)
                .clientAuth(ClientAuth.OPTIONAL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();

        CheckLog log = probe(pki, serverTls, false, "", ClientCertProbeTest::serveAnyone, false);

        Map<String, Status> statuses = new TreeMap<>();
        log.results().forEach(r -> statuses.put(r.id(), r.status()));
        assertEquals(
                Map.of(
                        "vm1/listener/client-cert/no-certificate", Status.FAILED,
                        "vm1/listener/client-cert/self-signed", Status.FAILED,
                        "vm1/listener/client-cert/other-ca", Status.FAILED,
                        "vm1/listener/client-cert/vm-certificate", Status.PASSED),
                statuses,
                () -> log.results().toString());
    }

    /**
     * The impostors' refusals are the checks' results, not WARNING lines of the suite's own 9P client. Before, each
     * refused handshake printed {@code WARNING closing connection from server …: certificate_required} in the middle
     * of a passing run.
     */
    @Test
    void refusedImpostorsPassWithNoWarningOfTheClient() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        JdkSslContext serverTls = requiringTheCa(pki);
        Logger logger = Logger.getLogger(PipelineErrorHandler.class.getName());
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(capture);
        try {
            CheckLog log = probe(pki, serverTls, true, "", ClientCertProbeTest::serveAnyone, false);

            assertEquals(
                    List.of(Status.PASSED, Status.PASSED, Status.PASSED, Status.PASSED),
                    log.results().stream().map(CheckResult::status).toList(),
                    () -> log.results().toString());
            assertEquals(List.of(), warnings);
        } finally {
            logger.removeHandler(capture);
        }
    }

    /**
     * A listener that refuses the VM's own certificate after the handshake (it closes every connection there), at a
     * VM with limits.connections 2: so does a faithful gateway whose VM holds every place. The suite probes while it
     * holds no connection of the VM; its main session, opened right after, served, shows a place was free: failed.
     * Before, the suite probed with its main session open and skipped the check ("its limits.connections (2)
     * reached"), without --audit-log with nothing to confirm it; only where the main session is refused too is it
     * skipped.
     */
    @Test
    void theVmsOwnCertificateClosedWhileAPlaceIsFreeFails() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        JdkSslContext serverTls = requiringTheCa(pki);

        CheckLog served =
                probe(pki, serverTls, true, "limits: {connections: 2}", ClientCertProbeTest::closeAfterHandshake, true);
        CheckLog refused = probe(
                pki, serverTls, true, "limits: {connections: 2}", ClientCertProbeTest::closeAfterHandshake, false);

        CheckResult failed = ownCertificate(served);
        assertEquals(Status.FAILED, failed.status(), served.results()::toString);
        assertTrue(failed.message().contains("a place was free"), failed::toString);
        assertEquals(Status.SKIPPED, ownCertificate(refused).status(), refused.results()::toString);
        assertTrue(
                ownCertificate(refused).message().contains("limits.connections (2) reached"),
                refused.results()::toString);
    }

    private static CheckResult ownCertificate(CheckLog log) {
        return log.results().stream()
                .filter(r -> r.id().equals("vm1/listener/client-cert/vm-certificate"))
                .findFirst()
                .orElseThrow();
    }

    /** A server's TLS that asks every client for a certificate of the PKI's CA. */
    private static JdkSslContext requiringTheCa(TestPki pki) throws IOException {
        return (JdkSslContext) serverTls(pki)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(pki.dir().resolve(TestPki.CA_CERT).toFile())
                .build();
    }

    private static SslContextBuilder serverTls(TestPki pki) {
        return SslContextBuilder.forServer(
                        pki.dir().resolve(TestPki.SERVER_CERT).toFile(),
                        pki.dir().resolve(TestPki.SERVER_KEY).toFile())
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3");
    }

    /**
     * The client-cert checks of VM vm1, whose pin is the PKI's CA and CN=vm1, against a server of {@code tls} that
     * serves each connection as {@code server} does; {@code nextServed}: whether the suite's main session, opened
     * after them, was served.
     */
    private CheckLog probe(
            TestPki pki,
            JdkSslContext tls,
            boolean needClientAuth,
            String limits,
            Consumer<SSLServerSocket> serve,
            boolean nextServed)
            throws Exception {
        if (!Files.exists(pki.dir().resolve("vm1").resolve(TestPki.CLIENT_CERT))) {
            pki.issueClient("vm1", Duration.ofDays(1));
        }
        try (SSLServerSocket server = (SSLServerSocket)
                tls.context().getServerSocketFactory().createServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            if (needClientAuth) {
                server.setNeedClientAuth(true);
            } else {
                server.setWantClientAuth(true);
            }
            Thread.ofVirtual().start(() -> serve.accept(server));
            Path share = Files.createDirectories(tmp.resolve("share"));
            Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                    image: t
                    vms:
                      vm1:
                        listen: tls:127.0.0.1:%d
                        client-cert: {ca: %s, subject: "CN=vm1"}
                        %s
                        shares:
                          data: {path: %s, access: read-write}
                    """.formatted(
                            server.getLocalPort(), pki.dir().resolve(TestPki.CA_CERT), limits, share));
            VmPolicy vm = PolicyEngine.load(policy).policy().vms().get("vm1");
            Path vm1 = pki.dir().resolve("vm1");
            var transport = new VmTransport.MutualTls(
                    (ListenerSpec.Tls) vm.listen(),
                    new TlsCertificate(
                            vm1.resolve(TestPki.CLIENT_CERT),
                            vm1.resolve(TestPki.CLIENT_KEY),
                            pki.dir().resolve(TestPki.CA_CERT)));
            CheckLog log = new CheckLog(new PrintWriter(new StringWriter()));
            ClientCertChecks checks =
                    new ClientCertChecks(log, vm, transport, new AcceptRefusal(transport, vm, new ProbeLog(), false));
            checks.probe();
            checks.report(nextServed);
            return log;
        }
    }

    /** Completes each connection's handshake, then closes it unanswered. */
    private static void closeAfterHandshake(SSLServerSocket server) {
        while (true) {
            try (SSLSocket c = (SSLSocket) server.accept()) {
                c.startHandshake();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /** Answers each connection's Tversion with Rversion 9P2000.L, whatever certificate the client showed. */
    private static void serveAnyone(SSLServerSocket server) {
        while (true) {
            try (SSLSocket c = (SSLSocket) server.accept()) {
                DataInputStream in = new DataInputStream(c.getInputStream());
                byte[] head = new byte[7];
                in.readFully(head);
                int size = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
                in.readFully(new byte[size - 7]);
                byte[] version = "9P2000.L".getBytes(StandardCharsets.US_ASCII);
                ByteBuffer reply = ByteBuffer.allocate(13 + version.length).order(ByteOrder.LITTLE_ENDIAN);
                reply.putInt(reply.capacity()).put((byte) 101).put(head, 5, 2).putInt(8192);
                reply.putShort((short) version.length).put(version);
                c.getOutputStream().write(reply.array());
                c.getOutputStream().flush();
                in.read(); // until the client closes
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }
}
