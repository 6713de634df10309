package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.certs.Pem;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.metrics.MetricsScrape;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code serve --policy}: a CRL past its nextUpdate and a VM socket directory any user may write are each
 * one WARNING line at start and again at each reload taken (never per connection), and the CRL's nextUpdate is a
 * metric. Neither stops the start.
 */
class ServeTransportWarningsTest {
    private static final String STALE = "is past its nextUpdate";
    private static final String SOCKET_DIR = "Unix socket directory";

    @TempDir
    Path dir;

    @Test
    void aStaleCrlAndAnOpenSocketDirectoryAreWarnedAtStartAndReload() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        TestPki pki = TestPki.create(dir.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        Instant nextUpdate = Instant.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Path crl = staleCrl(pki, nextUpdate);
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                image: t
                vms:
                  t:
                    listen: tls:127.0.0.1:%d
                    client-cert: {ca: %s, subject: "CN=t", crl: %s}
                    shares: {s: {path: %s, access: read-only}}
                  u:
                    listen: unix:%s/u.sock
                    shares: {s: {path: %s, access: read-only}}
                  w:
                    listen: unix:%s/w.sock
                    shares: {s: {path: %s, access: read-only}}
                """.formatted(
                        port, pki.dir().resolve(TestPki.CA_CERT), crl, share, open, share, open, share));
        Path metricsSocket = dir.resolve("metrics.sock");
        Path pidFile = dir.resolve("p9gate.pid");
        try (ServeProcess serve =
                ServeProcess.withTls(policy, pki, logs, pidFile, "--metrics", "unix:" + metricsSocket)) {
            serve.awaitStdout("SIGHUP reloads it");
            awaitStderr(serve, 1); // stderr is read by a thread of its own
            assertEquals(1, count(serve.stderr(), STALE), serve.stderr());
            assertTrue(serve.stderr().contains("CRL " + crl + " " + STALE + " " + nextUpdate), serve.stderr());
            assertEquals(1, count(serve.stderr(), SOCKET_DIR + " " + open + ":"), "one line for both sockets");
            assertEquals(
                    (double) nextUpdate.getEpochSecond(),
                    MetricsScrape.from(new MetricsAddress.Unix(metricsSocket))
                            .sum("p9gate_crl_next_update_seconds", Map.of("crl", crl.toString())));

            CliRun reload = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
            assertEquals(0, reload.code(), reload.err());
            awaitStderr(serve, 2);
            assertEquals(2, count(serve.stderr(), STALE), serve.stderr());
            assertEquals(2, count(serve.stderr(), SOCKET_DIR), serve.stderr());
        }
    }

    /**
     * A socket whose directory is a symbolic link: the start line named the link's path alone, and the operator (or
     * the hypervisor's configuration) could not tell from it which directory the socket is in, the one whose
     * permissions decide who can replace it. It now says where the socket is.
     */
    @Test
    void theStartLineSaysWhereASocketBehindALinkIs() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        TestPki pki = TestPki.create(dir.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                image: t
                vms:
                  u:
                    listen: unix:%s/u.sock
                    shares: {s: {path: %s, access: read-only}}
                """.formatted(link, share));
        try (ServeProcess serve = ServeProcess.withTls(policy, pki, logs, dir.resolve("p9gate.pid"))) {
            assertEquals(
                    "p9gate: VM u on unix:" + link + "/u.sock (the socket is " + real.toRealPath() + "/u.sock: a link"
                            + " on its path leads there)",
                    serve.awaitStdout("p9gate: VM u on "));
        }
    }

    private static Path staleCrl(TestPki pki, Instant nextUpdate) throws Exception {
        X509Certificate ca =
                Pem.certificates(pki.dir().resolve(TestPki.CA_CERT)).getFirst();
        String base64 = Files.readString(pki.dir().resolve(TestPki.CA_KEY))
                .replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC")
                .generatePrivate(
                        new PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(base64)));
        var built = new JcaX509v2CRLBuilder(ca.getSubjectX500Principal(), Date.from(nextUpdate.minusSeconds(86400)))
                .setNextUpdate(Date.from(nextUpdate))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
        Path file = pki.dir().resolve("stale-crl.pem");
        try (JcaPEMWriter pem = new JcaPEMWriter(Files.newBufferedWriter(file))) {
            pem.writeObject(built);
        }
        return file;
    }

    /** Waits (bounded) until {@code lines} socket directory lines were read from serve's stderr. */
    private static void awaitStderr(ServeProcess serve, int lines) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(serve.stderr(), SOCKET_DIR) < lines && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static long count(String text, String fragment) {
        return text.lines().filter(l -> l.contains(fragment)).count();
    }
}
