package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-DEP-1, R-POL-7): a VM's certificate is stolen, or the hypervisor account a socket's {@code peer:}
 * names changes hands. The integrator revokes the certificate (a new CRL) or names another {@code peer:} and reloads.
 * Before, the reload decided only new connections: a 9P mount is one connection that lasts as long as the guest
 * wishes, so whoever had connected with the revoked certificate, or as the old peer, went on being served as the VM.
 * A reload that is taken now decides every open connection again, by what its transport established when it
 * connected (its certificate chain, its peer credentials), under the new policy: one that is no longer that VM's is
 * closed, its session ending as on a disconnect. The VM's other connections, and other VMs', stay.
 */
@Timeout(120)
class IdentityRevokedWhileConnectedAttackTest {
    private static final int MSIZE = 65536;

    @TempDir
    Path dir;

    @Test
    void aReloadClosesTheConnectionsItsPolicyNoLongerIdentifiesAsTheirVm() throws Exception {
        SignedLogs logs = SignedLogs.in(dir);
        Path share = Files.createDirectories(dir.resolve("share"));
        Files.writeString(share.resolve("f"), "hello");
        TestPki pki = TestPki.create(dir.resolve("pki"), "test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("a", Duration.ofDays(1));
        pki.issueClient("b", Duration.ofDays(1));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path socket = dir.resolve("u.sock");
        String template = """
                image: t
                vms:
                  a:
                    listen: tls:127.0.0.1:%1$d
                    client-cert: {ca: %2$s, subject: "CN=a", crl: %3$s}
                    shares: {s: {path: %4$s, access: read-only}}
                  b:
                    listen: tls:127.0.0.1:%1$d
                    client-cert: {ca: %2$s, subject: "CN=b", crl: %3$s}
                    shares: {s: {path: %4$s, access: read-only}}
                  u:
                    listen: unix:%5$s
                    peer: {uid: "%6$s"}
                    shares: {s: {path: %4$s, access: read-only}}
                """;
        String myUid = String.valueOf(new com.sun.security.auth.module.UnixSystem().getUid());
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, template.formatted(port, ca(pki), crl(pki), share, socket, myUid));
        Path pidFile = dir.resolve("p9gate.pid");
        try (ServeProcess serve = ServeProcess.withTls(policy, pki, logs, pidFile)) {
            serve.awaitStdout("SIGHUP reloads it");
            try (P9Client a = tls(pki, "a", port);
                    P9Client b = tls(pki, "b", port);
                    P9Client u = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
                for (P9Client c : List.of(a, b, u)) {
                    assertEquals("hello", open(c));
                }

                pki.revoke("a");
                String otherUid = myUid.equals("1") ? "2" : "1";
                Files.writeString(policy, template.formatted(port, ca(pki), crl(pki), share, socket, otherUid));
                CliRun reload = CliRun.of("policy", "reload", "--pid-file", pidFile.toString());
                assertEquals(0, reload.code(), reload.out() + reload.err());

                assertThrows(IOException.class, () -> reread(a), "a's certificate is revoked: its connection closed");
                assertThrows(IOException.class, () -> reread(u), "u's peer is another uid now: its connection closed");
                assertEquals("hello", reread(b), "b is still b");
            }
            assertTrue(
                    serve.stderr().contains("closed 2 connection(s) no longer identified as their VM"), serve.stderr());
        }
    }

    private static String ca(TestPki pki) {
        return pki.dir().resolve(TestPki.CA_CERT).toString();
    }

    private static String crl(TestPki pki) {
        return pki.dir().resolve(TestPki.CA_CRL).toString();
    }

    private static P9Client tls(TestPki pki, String vm, int port) throws Exception {
        Path d = pki.dir().resolve(vm);
        return P9Client.open(
                new InetSocketAddress("127.0.0.1", port),
                MSIZE,
                ClientTls.of(
                        d.resolve(TestPki.CLIENT_CERT),
                        d.resolve(TestPki.CLIENT_KEY),
                        pki.dir().resolve(TestPki.CA_CERT)));
    }

    /** Attaches the share as fid 0, opens {@code f} as fid 1 and reads it. */
    private static String open(P9Client c) throws Exception {
        c.attach(0, "root", "s", 0);
        c.walk(0, 1, "f");
        c.lopen(1, 0);
        return new String(c.read(1, 0, 100), StandardCharsets.UTF_8);
    }

    /** Reads {@code f} again through the fid opened before the reload. */
    private static String reread(P9Client c) throws Exception {
        return new String(c.read(1, 0, 100), StandardCharsets.UTF_8);
    }
}
