package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.PolicyHolder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Set;

/**
 * VM a alone on a tls: listener of its own, its certificate's CA trusted, and its connection open and attached (fid
 * 0, share a); for tests of what a reload does to that connection. A second CA, which issued a certificate of the
 * same subject, stands ready to replace a's: a reload to it revokes a's certificate.
 */
final class TlsVmConnected implements AutoCloseable {
    private static final int MSIZE = 65536;
    private static final String VM = """
            %1$s:
              listen: tls:127.0.0.1:%2$d
              client-cert: {ca: %3$s, subject: "CN=%1$s"}
              shares: {a: {path: %%A, access: %4$s}}
            """;

    final IdentityRig rig;
    final P9Client client;
    /** The CA that issued a's certificate. */
    final Path ca;

    private final int port;
    private final String access;
    private final Path otherCa;

    private TlsVmConnected(IdentityRig rig, P9Client client, Path ca, int port, String access, Path otherCa) {
        this.rig = rig;
        this.client = client;
        this.ca = ca;
        this.port = port;
        this.access = access;
        this.otherCa = otherCa;
    }

    /** Serves VM a with share a of {@code access} ("read-only", "read-write") and connects and attaches as a. */
    static TlsVmConnected start(Path tmp, String access) throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        TestPki other = IdentityRig.pki(tmp.resolve("other"), "a");
        int port = IdentityRig.freePort();
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        IdentityRig rig = new IdentityRig(tmp);
        try {
            rig.start(vm("a", port, ca, access), IdentityRig.serverTls(pki));
            P9Client client = P9Client.open(
                    new InetSocketAddress("127.0.0.1", port),
                    MSIZE,
                    ClientTls.of(
                            pki.dir().resolve("a").resolve(TestPki.CLIENT_CERT),
                            pki.dir().resolve("a").resolve(TestPki.CLIENT_KEY),
                            ca));
            client.attach(0, "root", "a", 0);
            return new TlsVmConnected(rig, client, ca, port, access, other.dir().resolve(TestPki.CA_CERT));
        } catch (Exception | AssertionError e) {
            rig.close();
            throw e;
        }
    }

    /** The policy's YAML of one VM {@code name} on {@code port}, trusting {@code ca} for "CN=name", with share a. */
    static String vm(String name, int port, Path ca, String access) {
        return VM.formatted(name, port, ca, access);
    }

    /** Reloads a policy in which a's listener trusts the other CA: a's certificate is no longer a's. */
    void reloadWithAnotherCa() throws Exception {
        reload(vm("a", port, otherCa, access));
    }

    /** Reloads {@code vms}, which must be taken. */
    void reload(String vms) throws Exception {
        rig.write(vms);
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
    }

    /** The VMs of the policy now served. */
    Set<String> vmsNow() {
        return rig.holder.current().listeners().keySet();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            rig.close();
        }
    }
}
