package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM is what its transport says (R-DEP-1), here each of two VMs with a tls: listener of its own, both pinned by one
 * CA: a certificate the CA issued to VM a, presented on VM b's listener, is no VM's there; and nothing a connection
 * says in 9P (Tauth, an afid, Tattach's uname, n_uname or aname, a second Tattach) reaches another VM's share; and
 * each attach of one VM, on one connection or two, keeps its own share in decisions and records.
 */
class TransportNotAttachIdentityAttackTest {
    private static final int MSIZE = 65536;

    @TempDir
    Path tmp;

    private TestPki pki;
    private ServerTls serverTls;
    private int portA;
    private int portB;

    @BeforeEach
    void pki() throws Exception {
        pki = IdentityRig.pki(tmp.resolve("pki"), "a", "b");
        serverTls = IdentityRig.serverTls(pki);
        portA = IdentityRig.freePort();
        portB = IdentityRig.freePort();
    }

    private IdentityRig start() throws Exception {
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        return new IdentityRig(tmp).start("""
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a"}
                  shares: {a: {path: %%A, access: read-only}}
                b:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=b"}
                  shares: {b: {path: %%B, access: read-only}}
                """.formatted(portA, ca, portB, ca), serverTls);
    }

    private P9Client connect(int port, String vm) throws Exception {
        Path dir = pki.dir().resolve(vm);
        SslContext tls = ClientTls.of(
                dir.resolve(TestPki.CLIENT_CERT),
                dir.resolve(TestPki.CLIENT_KEY),
                pki.dir().resolve(TestPki.CA_CERT));
        P9Client c = P9Client.connect(new InetSocketAddress("127.0.0.1", port), MSIZE, tls);
        c.version(MSIZE, "9P2000.L");
        return c;
    }

    private static String read(P9Client c, int root, int fid, String file) throws Exception {
        c.walk(root, fid, file);
        c.lopen(fid, 0);
        return new String(c.read(fid, 0, 100), StandardCharsets.UTF_8);
    }

    @Test
    void aVmsCertificateOnAnotherVmsListenerIsNoVms() throws Exception {
        try (IdentityRig rig = start()) {
            assertThrows(
                    IOException.class,
                    () -> {
                        try (P9Client c = connect(portB, "a")) {
                            c.attach(0, "root", "b", 0);
                        }
                    },
                    "a's certificate on b's listener: the handshake fails");
            List<AuditEntry> refused = rig.refusals();
            assertEquals(1, refused.size(), rig.records.toString());
            AuditEntry r = refused.getFirst();
            assertEquals(List.of(PeerIdentifier.RULE_TLS), r.decision().ruleIds());
            assertEquals("", r.request().vm(), "no VM of b's listener pins it");
            String detail = DetailWords.text(r.request().detail());
            assertTrue(detail.contains("subject=\"CN=a\""), detail);
            assertTrue(detail.contains("is no VM's on tls:127.0.0.1:" + portB), detail);

            try (P9Client a = connect(portA, "a");
                    P9Client b = connect(portB, "b")) {
                a.attach(0, "root", "a", 0);
                b.attach(0, "root", "b", 0);
                assertEquals("VM a's view", read(a, 0, 1, "a.txt"));
                assertEquals("VM b's view", read(b, 0, 1, "b.txt"));
            }
        }
    }

    @Test
    void nothingSaidIn9pReachesAnotherVmsShare() throws Exception {
        try (IdentityRig rig = start();
                P9Client a = connect(portA, "a")) {
            assertErrno(Errno.ENOENT, () -> a.rpc(new TMessage.Tauth(9, "b", "b", 0)), "Tauth: no authentication");
            assertErrno(
                    Errno.EINVAL,
                    () -> a.rpc(new TMessage.Tattach(0, 9, "root", "a", 0)),
                    "an afid other than NOFID, auth being off");
            for (String aname : List.of("b", "/b", "b/", "../share-b", "a/../b", "share-b")) {
                assertErrno(Errno.ENOENT, () -> a.attach(0, "b", aname, 0), "aname " + aname);
            }
            a.attach(0, "root", "", 0); // a's only share
            assertEquals("VM a's view", read(a, 0, 1, "a.txt"));
            assertErrno(Errno.ENOENT, () -> a.attach(2, "root", "b", 0), "a second Tattach naming b's share");
            assertEquals("VM a's view", read(a, 0, 3, "a.txt"), "the first attach keeps its share");
            a.attach(4, "b", "a", 0); // another VM's name as uname: still a's share
            assertEquals("VM a's view", read(a, 4, 5, "a.txt"));
            assertTrue(
                    rig.records.stream().noneMatch(e -> "b".equals(e.request().vm())), rig.records.toString());
        }
    }

    /**
     * One connection may attach each of its VM's shares (Tattach per share, as the Linux client does per mount), and a
     * second connection of the VM others: each fid keeps its own share, for the policy (a read-only share stays so
     * beside a writable one) and in every record (the share each request reached, not the connection's first).
     */
    @Test
    void eachAttachOfAVmKeepsItsOwnShareInDecisionsAndRecords() throws Exception {
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                        a:
                          listen: unix:%s/a.sock
                          shares:
                            ro: {path: %%A, access: read-only}
                            rw: {path: %%B, access: read-write}
                        """.formatted(tmp), null);
                P9Client one = unix();
                P9Client two = unix()) {
            one.attach(0, "root", "ro", 0);
            one.attach(10, "root", "rw", 0);
            two.attach(0, "root", "rw", 0);
            assertEquals("VM a's view", read(one, 0, 1, "a.txt"));
            assertEquals("VM b's view", read(one, 10, 11, "b.txt"));
            assertEquals("VM b's view", read(two, 0, 1, "b.txt"));
            one.walk(0, 2);
            one.walk(10, 12);
            assertErrno(Errno.EROFS, () -> one.lcreate(2, "new", 0101, 0644, 0), "a create in the read-only share");
            one.lcreate(12, "new", 0101, 0644, 0);

            for (String file : List.of("a.txt", "b.txt")) {
                List<String> shares = rig.records.stream()
                        .filter(e -> e.request().paths().stream().anyMatch(p -> p.endsWith(file)))
                        .map(e -> e.request().share())
                        .distinct()
                        .toList();
                assertEquals(List.of(file.equals("a.txt") ? "ro" : "rw"), shares, file + ": " + rig.records);
            }
            List<AuditEntry> creates = rig.records.stream()
                    .filter(e -> e.request().operation() == Operation.CREATE)
                    .toList();
            assertEquals(
                    List.of("ro denied", "rw allowed"),
                    creates.stream()
                            .map(e -> e.request().share() + (e.decision().allowed() ? " allowed" : " denied"))
                            .distinct()
                            .sorted()
                            .toList(),
                    creates.toString());
        }
    }

    private P9Client unix() throws Exception {
        return P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("a.sock")), MSIZE);
    }

    private static void assertErrno(Errno expected, Call call, String what) {
        P9Exception e = assertThrows(P9Exception.class, call::run, what);
        assertEquals(expected, e.errno(), what + ": " + e.getMessage());
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }
}
