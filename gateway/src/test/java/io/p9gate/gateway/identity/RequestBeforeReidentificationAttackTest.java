package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import io.p9gate.gateway.testing.ForwardingPeerIdentifier;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-DEP-1, R-POL-7): a reload swaps the policy, then serve's pass over the open connections
 * (Gateway#closeConnectionsNoLongerIdentified) closes those the new policy no longer takes for their VM. The test
 * holds the reload between the two, as a busy host's few milliseconds do. Before, a request read in that gap was
 * decided by the new policy for the VM the connection was accepted as: a revoked certificate, a {@code peer:} that no
 * longer names the process, a socket given to another VM still created and wrote files as the VM, recorded as
 * allowed. Now each decision asks whether the connection is still its VM under the policy that decided it: refused
 * (EACCES, rule identity-revoked, recorded), the other VMs served as before.
 */
class RequestBeforeReidentificationAttackTest {
    private static final int MSIZE = 65536;
    private static final int O_RDWR = 2;
    private static final long MY_UID = uid();
    /** VM u alone, on the socket its one argument names. */
    private static final String U_ALONE = """
            u:
              listen: unix:%s
              shares: {a: {path: %%A, access: read-write}}
            """;

    @TempDir
    Path tmp;

    @Test
    void aRevokedCertificatesRequestsBeforeThePassAreRefusedAndAnotherVmsServed() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        TestPki pki = listener.pki();
        String vms = """
                a:
                  listen: tls:127.0.0.1:%1$d
                  client-cert: {ca: %2$s, subject: "CN=a", crl: %3$s}
                  shares: {a: {path: %%A, access: read-write}}
                b:
                  listen: tls:127.0.0.1:%1$d
                  client-cert: {ca: %2$s, subject: "CN=b", crl: %3$s}
                  shares: {b: {path: %%B, access: read-write}}
                """.formatted(
                listener.port(), pki.dir().resolve(TestPki.CA_CERT), pki.dir().resolve(TestPki.CA_CRL));
        try (IdentityRig rig = new IdentityRig(tmp).start(vms, listener.serverTls());
                P9Client a = listener.connect("a", MSIZE);
                P9Client b = listener.connect("b", MSIZE)) {
            a.version(MSIZE, "9P2000.L");
            b.version(MSIZE, "9P2000.L");
            opened(a, "a");
            opened(b, "b");

            pki.revoke("a");
            reloadOnly(rig, vms);
            Errno mkdir = refusal(() -> a.mkdir(0, "made-in-the-gap", 0755, 0));
            Errno write = refusal(() -> a.write(1, 0, "written in the gap".getBytes(StandardCharsets.US_ASCII)));
            b.mkdir(0, "b-made-in-the-gap", 0755, 0);

            assertFalse(Files.exists(rig.shareA.resolve("made-in-the-gap")), "a's mkdir was performed");
            assertEquals("", Files.readString(rig.shareA.resolve("f")), "a's write was performed");
            assertEquals(List.of(Errno.EACCES, Errno.EACCES), List.of(mkdir, write));
            assertTrue(Files.isDirectory(rig.shareB.resolve("b-made-in-the-gap")), "b is still b");
            assertRefusedAsNoLongerTheVm(rig, "a", MessageType.TMKDIR, MessageType.TWRITE);
            assertEquals(1, pass(rig), "the pass still closes a's connection");
        }
    }

    @Test
    void aProcessThePeerNoLongerNamesIsRefusedBeforeThePass() throws Exception {
        Path socket = tmp.resolve("u.sock");
        String vms = """
                u:
                  listen: unix:%s
                  peer: {uid: %d}
                  shares: {a: {path: %%A, access: read-write}}
                """;
        try (IdentityRig rig = new IdentityRig(tmp).start(vms.formatted(socket, MY_UID), null);
                P9Client u = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
            opened(u, "a");

            reloadOnly(rig, vms.formatted(socket, MY_UID + 1));
            Errno mkdir = refusal(() -> u.mkdir(0, "made-in-the-gap", 0755, 0));

            assertFalse(Files.exists(rig.shareA.resolve("made-in-the-gap")), "u's mkdir was performed");
            assertEquals(Errno.EACCES, mkdir);
            assertRefusedAsNoLongerTheVm(rig, "u", MessageType.TMKDIR);
            assertEquals(1, pass(rig));
        }
    }

    @Test
    void aConnectionOnASocketGivenToAnotherVmIsRefusedBeforeThePass() throws Exception {
        Path socket = tmp.resolve("u.sock");
        uMkdirRefusedBeforeThePass(socket, """
                u:
                  listen: unix:%s
                  shares: {a: {path: %%A, access: read-write}}
                w:
                  listen: unix:%s
                  shares: {b: {path: %%B, access: read-write}}
                """.formatted(tmp.resolve("u2.sock"), socket), rig -> {
            assertRefusedAsNoLongerTheVm(rig, "u", MessageType.TMKDIR);
            assertEquals(1, pass(rig), "u.sock is w's now");
        });
    }

    /**
     * A Tversion in the gap opened a new session for the revoked connection, recorded as VM u's session_open (its
     * Tattach was then refused): the log named a session of a VM for a connection that no longer was it. Now the
     * Tversion is answered EIO, no session is opened, and the pass still closes the connection.
     */
    @Test
    void aTversionBeforeThePassOpensNoSessionForTheRevokedConnection() throws Exception {
        Path socket = tmp.resolve("u.sock");
        try (IdentityRig rig = new IdentityRig(tmp).start(U_ALONE.formatted(socket), null);
                P9Client u = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
            opened(u, "a");
            reloadOnly(rig, """
                    u:
                      listen: unix:%s
                      shares: {a: {path: %%A, access: read-write}}
                    w:
                      listen: unix:%s
                      shares: {b: {path: %%B, access: read-write}}
                    """.formatted(tmp.resolve("u2.sock"), socket));
            int before = rig.events.size();

            assertEquals(Errno.EIO, refusal(() -> u.version(MSIZE, "9P2000.L")));

            List<String> opened = rig.events.subList(before, rig.events.size()).stream()
                    .filter(e -> e instanceof GatewayEvent.SessionOpened)
                    .map(Object::toString)
                    .toList();
            assertEquals(List.of(), opened, "a session opened for the revoked connection");
            assertEquals(1, pass(rig), "u.sock is w's now");
        }
    }

    /**
     * After a reload, serve's pass decides each open connection again, and each connection's first request decided
     * under the new policy asked the same question again (HeldIdentity): for a tls: connection a second PKIX
     * validation of its chain, 20-260 us, for every connection after every reload. The pass's answer now stands for
     * the policy it was given under: a request after the pass asks nothing.
     */
    @Test
    void aRequestAfterThePassIsNotIdentifiedAgain() throws Exception {
        Path socket = tmp.resolve("u.sock");
        AtomicInteger asked = new AtomicInteger();
        IdentityRig rig = new IdentityRig(tmp);
        rig.identifiers = identifier -> new CountingIdentifications(identifier, asked);
        try (IdentityRig started = rig.start(U_ALONE.formatted(socket), null);
                P9Client u = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
            u.version(MSIZE, "9P2000.L");
            u.attach(0, "root", "a", 0);
            int before = asked.get();

            reloadOnly(started, U_ALONE.formatted(socket) + "  # reloaded\n");
            assertEquals(0, pass(started));
            int byThePass = asked.get() - before;
            u.getattr(0, 0x7ff);
            u.mkdir(0, "after-the-pass", 0755, 0);

            assertEquals(1, byThePass, "the pass decides the connection again");
            assertEquals(byThePass, asked.get() - before, "its requests after the pass asked again");
        }
    }

    /** Counts the identifications of accepted connections: identifyAgain (the pass's) and stillNames (a request's). */
    private record CountingIdentifications(PeerIdentifier inner, AtomicInteger asked)
            implements ForwardingPeerIdentifier {
        @Override
        public PeerVerdict identifyAgain(ListenSpec listener, PeerFacts peer, String vm) {
            asked.incrementAndGet();
            return inner.identifyAgain(listener, peer, vm);
        }

        @Override
        public boolean stillNames(ListenSpec listener, PeerFacts peer, String vm) {
            asked.incrementAndGet();
            return inner.stillNames(listener, peer, vm);
        }
    }

    /** No defect: the new policy has no rule for a VM it removed, so its requests were refused before the pass too. */
    @Test
    void aRemovedVmsRequestBeforeThePassIsRefused() throws Exception {
        uMkdirRefusedBeforeThePass(tmp.resolve("u.sock"), """
                w:
                  listen: unix:%s
                  shares: {b: {path: %%B, access: read-write}}
                """.formatted(tmp.resolve("w.sock")), rig -> {
            assertEquals(
                    List.of(),
                    rig.records.stream()
                            .filter(e -> e.message() == MessageType.TMKDIR
                                    && e.decision().allowed())
                            .toList());
            assertEquals(1, rig.gateway.closeConnectionsOf("u"::equals), "serve's pass for removed VMs");
        });
    }

    /**
     * VM u alone on {@code socket}, connected; the reload of {@code vms} taken; u's Tmkdir then, before any pass, is
     * refused EACCES and makes nothing; {@code then} checks the rig, its connection still open.
     */
    private void uMkdirRefusedBeforeThePass(Path socket, String vms, Consumer<IdentityRig> then) throws Exception {
        try (IdentityRig rig = new IdentityRig(tmp).start(U_ALONE.formatted(socket), null);
                P9Client u = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
            opened(u, "a");

            reloadOnly(rig, vms);
            Errno mkdir = refusal(() -> u.mkdir(0, "made-in-the-gap", 0755, 0));

            assertFalse(Files.exists(rig.shareA.resolve("made-in-the-gap")), "u's mkdir was performed");
            assertEquals(Errno.EACCES, mkdir);
            then.accept(rig);
        }
    }

    /** Attaches {@code share} as fid 0 and creates an empty {@code f} in it, open for writing as fid 1. */
    private static void opened(P9Client c, String share) throws Exception {
        c.attach(0, "root", share, 0);
        c.walk(0, 1);
        c.lcreate(1, "f", O_RDWR, 0644, 0);
    }

    /** Takes the reload of {@code vms} and stops there: serve's pass over the open connections has not run yet. */
    private static void reloadOnly(IdentityRig rig, String vms) throws Exception {
        rig.write(vms);
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
    }

    /** What serve runs after the reload: the pass over the open connections of the VMs the policy has. */
    private static int pass(IdentityRig rig) {
        Set<String> now = rig.holder.current().listeners().keySet();
        return rig.gateway.closeConnectionsNoLongerIdentified(now::contains);
    }

    @FunctionalInterface
    private interface Request {
        void send() throws Exception;
    }

    /** The errno {@code request} was refused with; fails if it was served. */
    private static Errno refusal(Request request) {
        return assertThrows(P9Exception.class, request::send, "served").errno();
    }

    /** Every record of {@code vm}'s {@code messages} after the reload is a refusal by rule identity-revoked. */
    private static void assertRefusedAsNoLongerTheVm(IdentityRig rig, String vm, MessageType... messages) {
        List<String> recorded = rig.records.stream()
                .filter(e -> e.request().vm().equals(vm)
                        && List.of(messages).contains(e.message())
                        && e.request().sessionId() != 0)
                .map(RequestBeforeReidentificationAttackTest::describe)
                .toList();
        assertEquals(
                List.of(messages).stream()
                        .map(m -> m + " refused " + List.of("identity-revoked"))
                        .toList(),
                recorded);
    }

    private static String describe(AuditEntry e) {
        return e.message()
                + (e.decision().allowed() ? " allowed " : " refused ")
                + e.decision().ruleIds();
    }

    private static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
