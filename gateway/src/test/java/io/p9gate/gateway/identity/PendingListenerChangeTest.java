package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientEnd;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that changes a VM's {@code listen:} is taken, but the new listener is bound only at restart; the old one
 * still runs. After a reload every open connection is identified again (Gateway#closeConnectionsNoLongerIdentified),
 * and one decided against the VM's new listener was closed at once: the VM lost its mounts and could not connect to
 * the new listener until the restart. It is now decided on the listener it arrived on, by the VM's trust data of the
 * new policy: a revocation or a changed {@code peer:} still closes it, the pending listener change does not.
 */
class PendingListenerChangeTest {
    private static final int MSIZE = 65536;
    private static final long MY_UID = uid();

    @TempDir
    Path tmp;

    @Test
    void aPendingTlsListenerChangeKeepsTheConnectionButARevocationClosesIt() throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        ServerTls serverTls = IdentityRig.serverTls(pki);
        int before = IdentityRig.freePort();
        String vms = """
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a", crl: %s}
                  shares: {a: {path: %%A, access: read-only}}
                """;
        Object ca = pki.dir().resolve(TestPki.CA_CERT);
        Object crl = pki.dir().resolve(TestPki.CA_CRL);
        try (IdentityRig rig = new IdentityRig(tmp).start(vms.formatted(before, ca, crl), serverTls)) {
            Path a = pki.dir().resolve("a");
            var client = ClientTls.of(
                    a.resolve(TestPki.CLIENT_CERT),
                    a.resolve(TestPki.CLIENT_KEY),
                    pki.dir().resolve(TestPki.CA_CERT));
            try (P9Client c = P9Client.open(new InetSocketAddress("127.0.0.1", before), MSIZE, client)) {
                c.attach(0, "root", "a", 0);
                assertEquals("VM a's view", read(c, 1));

                rig.write(vms.formatted(IdentityRig.freePort(), ca, crl));
                assertEquals(0, reloadAndReidentify(rig), "a listen: change, bound at restart, closes nothing");
                assertEquals("VM a's view", read(c, 2), "the mount still works");

                pki.revoke("a");
                assertEquals(1, reloadAndReidentify(rig), "the certificate revoked while its listen: is pending");
                ClientEnd.assertEnded(c, () -> read(c, 3));
            }
        }
    }

    @Test
    void aPendingUnixListenerChangeKeepsTheConnectionButAChangedPeerClosesIt() throws Exception {
        String vms = """
                u:
                  listen: unix:%s
                  peer: {uid: %d}
                  shares: {a: {path: %%A, access: read-only}}
                """;
        Path socket = tmp.resolve("u.sock");
        try (IdentityRig rig = new IdentityRig(tmp).start(vms.formatted(socket, MY_UID), null);
                P9Client c = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
            c.attach(0, "root", "a", 0);
            assertEquals("VM a's view", read(c, 1));

            rig.write(vms.formatted(tmp.resolve("u2.sock"), MY_UID));
            assertEquals(0, reloadAndReidentify(rig), "a listen: change, bound at restart, closes nothing");
            assertEquals("VM a's view", read(c, 2), "the mount still works");

            rig.write(vms.formatted(tmp.resolve("u2.sock"), MY_UID + 1));
            assertEquals(1, reloadAndReidentify(rig), "peer: no longer names the process, its listen: pending");
            ClientEnd.assertEnded(c, () -> read(c, 3));
        }
    }

    @Test
    void aListenerTheNewPolicyGivesAnotherVmIsNoLongerThisVms() throws Exception {
        Path socket = tmp.resolve("u.sock");
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                        u:
                          listen: unix:%s
                          shares: {a: {path: %%A, access: read-only}}
                        """.formatted(socket), null);
                P9Client c = P9Client.open(UnixDomainSocketAddress.of(socket), MSIZE)) {
            c.attach(0, "root", "a", 0);
            assertEquals("VM a's view", read(c, 1));
            rig.write("""
                    u:
                      listen: unix:%s
                      shares: {a: {path: %%A, access: read-only}}
                    w:
                      listen: unix:%s
                      shares: {b: {path: %%B, access: read-only}}
                    """.formatted(tmp.resolve("u2.sock"), socket));
            assertEquals(1, reloadAndReidentify(rig), "u.sock is w's now");
        }
    }

    /** A reload taken, then the pass serve runs after it over the open connections of the VMs the policy has. */
    private static int reloadAndReidentify(IdentityRig rig) {
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
        Set<String> vms = rig.holder.current().listeners().keySet();
        return rig.gateway.closeConnectionsNoLongerIdentified(vms::contains);
    }

    private static String read(P9Client c, int fid) throws Exception {
        c.walk(0, fid, "a.txt");
        c.lopen(fid, 0);
        return new String(c.read(fid, 0, 100), StandardCharsets.UTF_8);
    }

    private static long uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
