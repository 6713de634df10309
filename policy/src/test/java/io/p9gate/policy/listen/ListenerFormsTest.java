package io.p9gate.policy.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.ClientCertificate;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PeerCredentials;
import io.p9gate.policy.model.SocketFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener forms of issue 9 items 4-5 (R-DEP-1) as the policy file spells them: a Unix socket's owner, group,
 * mode and expected peer; TLS with pinned client certificates (several VMs on one listener); vsock CIDs and
 * ports; TCP bound to a device. Each mistake is one error at its line and column.
 */
class ListenerFormsTest {
    private static final String FP_A = "aa".repeat(32);
    private static final String FP_B = "AB:".repeat(31) + "AB";

    @TempDir
    Path dir;

    Path ca;
    Path crl;

    @BeforeEach
    void trustFiles() throws Exception {
        ca = dir.resolve("ca.pem");
        crl = dir.resolve("crl.pem");
        Files.copy(Path.of(getClass().getResource("/listen/ca.pem").toURI()), ca);
        Files.copy(Path.of(getClass().getResource("/listen/crl.pem").toURI()), crl);
    }

    private PolicyEngine load(String vms) throws Exception {
        Path p = dir.resolve("p.yaml");
        Files.writeString(
                p,
                "image: test\nvms:\n"
                        + vms.stripIndent().lines().map(l -> "  " + l + "\n").reduce("", String::concat));
        return PolicyEngine.load(p);
    }

    private PolicyLoadException refused(String vms) {
        return assertThrows(PolicyLoadException.class, () -> load(vms));
    }

    @Test
    void aUnixSocketCarriesItsFileAndItsPeer() throws Exception {
        PolicyEngine e = load("""
                a:
                  listen: unix:/run/p9gate/a.sock
                  socket: {owner: libvirt-qemu, group: kvm, mode: "0620"}
                  peer: {uid: 107, gid: kvm}
                """);
        var l = (ListenerSpec.UnixSocket) e.listeners().get("a");
        assertEquals(new SocketFile("libvirt-qemu", "kvm", 0620), l.socket());
        assertEquals(new PeerCredentials("107", "kvm"), l.peer());
        assertEquals(Optional.of("a"), e.vmFor(new ListenerSpec.UnixSocket(Path.of("/run/p9gate/a.sock"))));
    }

    @Test
    void withoutSocketOrPeerTheDefaultsHold() throws Exception {
        var l = (ListenerSpec.UnixSocket)
                load("a: {listen: unix:/run/a.sock}").listeners().get("a");
        assertEquals(SocketFile.DEFAULT, l.socket());
        assertEquals(PeerCredentials.ANY, l.peer());
    }

    @Test
    void socketAndPeerMistakesAreErrorsAtTheirKey() {
        assertTrue(refused("a: {listen: unix:/r/a.sock, socket: {mode: \"0999\"}}")
                .reason()
                .contains("octal"));
        assertTrue(refused("a: {listen: unix:/r/a.sock, socket: {mode: \"0444\"}}")
                .reason()
                .contains("no hypervisor"));
        assertTrue(refused("a: {listen: unix:/r/a.sock, peer: {}}").reason().contains("neither"));
        assertTrue(refused("a: {listen: unix:/r/a.sock, peer: {uid: \"a b\"}}")
                .reason()
                .contains("numeric id"));
        PolicyLoadException e = refused("""
                a:
                  listen: vsock:5
                  peer: {uid: 0}
                """);
        assertEquals(5, e.pos().line());
        assertTrue(e.reason().contains("'peer' does not apply to vsock:5"), e.reason());
    }

    @Test
    void tlsVmsShareAListenerAndDifferByCertificate() throws Exception {
        PolicyEngine e = load("""
                a:
                  listen: tls:0.0.0.0:5643
                  client-cert: {sha256: "%s"}
                b:
                  listen: tls:0.0.0.0:5643
                  client-cert: {sha256: ["%s"]}
                c:
                  listen: tls:0.0.0.0:5643
                  client-cert: {ca: %s, subject: "CN=c,O=ECU", san: "DNS:c.ecu", crl: %s}
                """.formatted(FP_A, FP_B, ca, crl));
        var a = (ListenerSpec.Tls) e.listeners().get("a");
        var b = (ListenerSpec.Tls) e.listeners().get("b");
        var c = (ListenerSpec.Tls) e.listeners().get("c");
        assertEquals(List.of(FP_A), a.client().sha256());
        assertEquals(List.of("ab".repeat(32)), b.client().sha256(), "colons and case do not matter");
        assertEquals(new ClientCertificate(List.of(), ca, "CN=c,O=ECU", "DNS:c.ecu", crl), c.client());
        assertEquals(a.bindKey(), c.bindKey());
        assertEquals(Optional.empty(), e.vmFor(a), "on a shared listener the certificate decides, not the listener");
    }

    @Test
    void tlsPinMistakesAreRefused() {
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643}").reason().contains("needs 'client-cert'"));
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643, client-cert: {sha256: abc}}")
                .reason()
                .contains("64 hex"));
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643, client-cert: {ca: " + ca + "}}")
                .reason()
                .contains("every certificate of the CA"));
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643, client-cert: {ca: /nope.pem, subject: CN=a}}")
                .reason()
                .contains("no such ca file"));
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643, client-cert: {ca: " + crl + ", subject: CN=a}}")
                .reason()
                .contains("not a certificate"));
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643, client-cert: {ca: " + ca + ", san: \"x.ecu\"}}")
                .reason()
                .contains("DNS:NAME"));
        assertTrue(refused("a: {listen: tls:127.0.0.1:5643, client-cert: {sha256: \"" + FP_A + "\", subject: CN=a}}")
                .reason()
                .contains("not both"));
        assertTrue(refused("a: {listen: unix:/r/a.sock, client-cert: {sha256: \"" + FP_A + "\"}}")
                .reason()
                .contains("tls: listeners only"));
    }

    @Test
    void theTransportMustTellVmsApart() {
        assertTrue(refused("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {sha256: "%s"}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {sha256: "%s"}}
                """.formatted(FP_A, FP_A)).reason().contains("same client certificate"));
        assertTrue(refused("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {sha256: "%s"}}
                b: {listen: "tcp:127.0.0.1:5643%%lo"}
                """.formatted(FP_A)).reason().contains("could not tell them apart"));
        assertTrue(refused("""
                a: {listen: "tcp:10.0.3.1:564%tap-a"}
                b: {listen: "tcp:10.0.3.1:564%tap-a"}
                """).reason().contains("only tls: and vsock: listeners can be shared"));
        assertTrue(refused("""
                a: {listen: "vsock:5"}
                b: {listen: "vsock:5:5640"}
                """).reason().contains("a CID is one guest"));
    }

    /**
     * Pins that differ only in how they are written name one certificate: the gateway matches the subject as RFC
     * 2253 text and a DNS SAN whatever its case, so every connection of either VM would be refused as ambiguous.
     */
    @Test
    void pinsWrittenDifferentlyForOneCertificateAreRefusedNamingBothVms() throws Exception {
        String[][] clashes = {
            {"subject: CN=a", "subject: cn=a"},
            {"subject: \"CN=a,O=ECU\"", "subject: \"CN=a,  o=ECU\""},
            {"subject: \"OU=vms+CN=a\"", "subject: \"CN=a+OU=vms\""},
            {"san: DNS:a.ecu", "san: DNS:A.Ecu"},
            {"san: \"IP:::1\"", "san: \"IP:0:0::1\""},
        };
        for (String[] clash : clashes) {
            String reason = refused("""
                    a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, %s}}
                    b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, %s}}
                    """.formatted(ca, clash[0], ca, clash[1])).reason();
            assertTrue(reason.contains("VM 'b' pins the same client certificate as VM 'a'"), clash[1] + ": " + reason);
        }
        load("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=a}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=A}}
                """.formatted(ca, ca)); // values are compared as written: two certificates
    }

    /**
     * Pins of one CA that one certificate can match both: a pin of a subject alone matches any SAN, and one of a SAN
     * alone any subject. Before, such
     * pins loaded, and every connection with a certificate naming both was refused as ambiguous.
     */
    @Test
    void pinsOfOneCaThatOneCertificateCanMatchAreRefused() throws Exception {
        String[][] overlaps = {
            {"subject: CN=a, san: DNS:a", "subject: CN=a"},
            {"subject: CN=a", "san: DNS:b"},
            {"san: DNS:a", "subject: CN=b, san: DNS:a"},
        };
        assertPinsOfOneCaOverlap(overlaps);
        load("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=a}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=b, san: DNS:a}}
                c: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=c, san: DNS:c}}
                """.formatted(ca, ca, ca)); // each subject tells them apart
    }

    /**
     * Two SANs do not tell pins of one CA apart: a certificate can carry any number of SANs, so one naming DNS:a and
     * DNS:b matches both. Only two different subjects do. Before, such pins loaded, and every connection with a
     * certificate naming both was refused as ambiguous.
     */
    @Test
    void twoSansOfOneCaAreOneCertificatesAndAreRefused() throws Exception {
        String[][] overlaps = {
            {"san: DNS:a", "san: DNS:b"},
            {"subject: CN=a, san: DNS:a", "subject: CN=a, san: DNS:b"},
            {"san: DNS:a", "subject: CN=b, san: \"IP:10.0.0.2\""},
        };
        assertPinsOfOneCaOverlap(overlaps);
        load("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=a, san: DNS:a}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=b, san: DNS:b}}
                """.formatted(ca, ca)); // one certificate has one subject
    }

    /**
     * A pin of a CA and a pin of a CA it issued (directly, or through CA certificates of other {@code ca} files) can
     * match one certificate: a chain through the intermediate validates under both. So can two files holding one CA
     * certificate issued twice (same subject and key). Before, each such pair loaded.
     */
    @Test
    void aCaAndACaItIssuedAreOneCaToTheCheck() throws Exception {
        Path root = resource("root-ca.pem");
        Path reissued = resource("root-ca-reissued.pem");
        Path intermediate = resource("intermediate-ca.pem");
        Path secondLevel = resource("second-level-ca.pem");
        String[][] overlaps = {
            {root + ", subject: CN=x", intermediate + ", subject: CN=x"},
            {intermediate + ", san: DNS:x", root + ", subject: CN=x"},
            {root + ", subject: CN=x", reissued + ", subject: CN=x, san: DNS:x"},
        };
        for (String[] overlap : overlaps) {
            String reason = refused("""
                    a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s}}
                    b: {listen: tls:127.0.0.1:5644, client-cert: {ca: %s}}
                    """.formatted(overlap[0], overlap[1])).reason();
            assertTrue(reason.contains("VM 'b' and VM 'a'") || reason.contains("VM 'b' pins the same"), reason);
            assertTrue(reason.contains("VM 'a'"), reason);
        }
        String reason = refused("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=x}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=y}}
                c: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=x}}
                """.formatted(root, intermediate, secondLevel)).reason();
        assertTrue(reason.contains("VM 'c' and VM 'a'"), "second level -> intermediate (b's file) -> root: " + reason);
        assertTrue(reason.contains("issued by a CA"), reason);
        load("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=a}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=b}}
                c: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=x}}
                """.formatted(root, intermediate, ca)); // subjects apart, and an unrelated CA
    }

    /** Each pair, VM a's pin and VM b's, both of {@link #ca}, is refused as one certificate's. */
    private void assertPinsOfOneCaOverlap(String[][] overlaps) {
        for (String[] overlap : overlaps) {
            String reason =
                    refused("""
                    a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, %s}}
                    b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, %s}}
                    """.formatted(ca, overlap[0], ca, overlap[1])).reason();
            assertTrue(
                    reason.contains("VM 'b' and VM 'a' pin certificates of one CA that one certificate can both be"),
                    overlap[1] + ": " + reason);
        }
    }

    private Path resource(String name) throws Exception {
        return Files.copy(Path.of(getClass().getResource("/listen/" + name).toURI()), dir.resolve(name));
    }

    /**
     * Two {@code ca} files holding the same CA certificate are one CA: a chain to it validates under either pin.
     * Before, they were compared by file name, and two VMs pinning one subject through them loaded.
     */
    @Test
    void oneCaInTwoFilesIsOneCa() throws Exception {
        Path copy = Files.copy(ca, dir.resolve("same-ca.pem"));
        String reason = refused("""
                a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=a}}
                b: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, subject: CN=a}}
                """.formatted(ca, copy)).reason();
        assertTrue(reason.contains("VM 'b' pins the same client certificate as VM 'a'"), reason);
    }

    /**
     * A SAN pin and a certificate's SAN are read by one function (ClientCertificate.sanAsMatched), in the load's
     * conflict check and in the gateway's match alike. An IP SAN that is no IP address can match no certificate: it
     * is refused at load. Before, it loaded; the conflict check compared it as written while the gateway's match
     * refused every certificate for it, so the VM could never connect.
     */
    @Test
    void anIpSanPinThatIsNoAddressIsRefusedAndSansAreReadOneWay() {
        assertEquals("IP:0:0:0:0:0:0:0:1", ClientCertificate.sanAsMatched("IP:0:0::1"));
        assertEquals(ClientCertificate.sanAsMatched("IP:::1"), ClientCertificate.sanAsMatched("IP:0:0::1"));
        assertEquals("DNS:a.ecu", ClientCertificate.sanAsMatched("DNS:A.Ecu"));
        assertEquals("EMAIL:vm@ecu", ClientCertificate.sanAsMatched("email:VM@ecu"));
        assertEquals("URI:urn:A", ClientCertificate.sanAsMatched("URI:urn:A"));
        assertNull(ClientCertificate.sanAsMatched("IP:999.1.1.1"));
        for (String ip : List.of("999.1.1.1", "fd00::7::1", "a.ecu")) {
            String reason = refused(
                            "a: {listen: tls:127.0.0.1:5643, client-cert: {ca: %s, san: \"IP:%s\"}}".formatted(ca, ip))
                    .reason();
            assertTrue(reason.contains("is not an IP address"), ip + ": " + reason);
        }
    }

    @Test
    void vsockVmsShareAPortAndDifferByCid() throws Exception {
        PolicyEngine e = load("""
                a: {listen: "vsock:5"}
                b: {listen: "vsock:6"}
                c: {listen: "vsock:7:5640"}
                """);
        assertEquals(new ListenerSpec.Vsock(5, 564), e.listeners().get("a"));
        assertEquals(e.listeners().get("a").bindKey(), e.listeners().get("b").bindKey());
        assertEquals("vsock:7:5640", e.listeners().get("c").describe());
        for (String bad : new String[] {"vsock:5:0", "vsock:5:x", "vsock:2"}) {
            assertThrows(IllegalArgumentException.class, () -> ListenerSpec.parse(bad), bad);
        }
    }

    @Test
    void tcpIsBoundToADevice() throws Exception {
        PolicyEngine e = load("a: {listen: \"tcp:10.0.3.1:564%tap-adas\"}");
        assertEquals(
                new ListenerSpec.Tcp("10.0.3.1", 564, "tap-adas"), e.listeners().get("a"));
        assertEquals("tcp:10.0.3.1:564%tap-adas", e.listeners().get("a").describe());
        assertEquals(new ListenerSpec.Tcp("::1", 564, "lo"), ListenerSpec.parse("tcp:[::1]:564%lo"));
        for (String bad :
                new String[] {"tcp:10.0.3.1:564%", "tcp:10.0.3.1:564%a/b", "tcp:10.0.3.1:564%waytoolonginterface"}) {
            assertThrows(IllegalArgumentException.class, () -> ListenerSpec.parse(bad), bad);
        }
    }

    @Test
    void trustFilesAreGatewayState() throws Exception {
        PolicyEngine e = load("""
                c:
                  listen: tls:0.0.0.0:5643
                  client-cert: {ca: %s, subject: "CN=c", crl: %s}
                """.formatted(ca, crl));
        var state = io.p9gate.policy.load.PolicyValidator.declaredState(e.policy()).stream()
                .map(s -> s.path())
                .toList();
        assertTrue(state.containsAll(List.of(ca, crl)), state.toString());
    }

    /** R-POL-9: a VM's TLS trust file with another name is refused at the VM that names it, not the file alone. */
    @Test
    void aTrustFileWithAnotherNameIsRefusedAtItsVm() throws Exception {
        Files.createLink(dir.resolve("ca-copy.pem"), ca);
        PolicyLoadException e = refused("""
                a:
                  listen: tls:127.0.0.1:5643
                  client-cert: {ca: %s, subject: CN=a}
                """.formatted(ca));
        assertTrue(e.reason().contains("has 2 hard links"), e.reason());
        assertEquals(dir.resolve("p.yaml") + ":4:5", e.pos().toString());
    }
}
