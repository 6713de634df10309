package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.Pem;
import io.p9gate.gateway.certs.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code p9gate certs}: the files the guest harness's --tls-dir and serve --tls-cert want, and revocation. */
class CertsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void makesTheCaTheServerAndOneDirectoryPerVmWithPrivateKeys() throws Exception {
        Path pki = tmp.resolve("pki");
        CliRun run = CliRun.of("certs", "--dir", pki.toString(), "--vm", "infotainment", "--vm", "cluster");
        assertEquals(0, run.code(), run.err());
        for (String file : new String[] {
            TestPki.CA_CERT,
            TestPki.SERVER_CERT,
            TestPki.CA_CRL,
            "infotainment/" + TestPki.CLIENT_CERT,
            "infotainment/" + TestPki.CA_CERT,
            "cluster/" + TestPki.CLIENT_CERT
        }) {
            assertTrue(Files.isRegularFile(pki.resolve(file)), file);
        }
        for (String key : new String[] {TestPki.CA_KEY, TestPki.SERVER_KEY, "cluster/" + TestPki.CLIENT_KEY}) {
            assertEquals(
                    "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.resolve(key))), key);
        }
        X509Certificate cluster = Pem.certificates(pki.resolve("cluster").resolve(TestPki.CLIENT_CERT))
                .getFirst();
        assertEquals("CN=cluster", cluster.getSubjectX500Principal().getName());
        cluster.verify(Pem.certificates(pki.resolve(TestPki.CA_CERT)).getFirst().getPublicKey());
        assertTrue(
                run.out().contains("VM cluster " + pki.resolve("cluster").resolve(TestPki.CLIENT_CERT) + " sha256 "),
                run.out());
    }

    @Test
    void revokeAddsTheVmsCertificateToTheCrl() throws Exception {
        Path pki = tmp.resolve("pki");
        assertEquals(
                0,
                CliRun.of("certs", "--dir", pki.toString(), "--vm", "a", "--vm", "b")
                        .code());
        CliRun run = CliRun.of("certs", "--dir", pki.toString(), "--revoke", "a");
        assertEquals(0, run.code(), run.err());
        var crl = Pem.crl(pki.resolve(TestPki.CA_CRL));
        assertTrue(crl.isRevoked(
                Pem.certificates(pki.resolve("a").resolve(TestPki.CLIENT_CERT)).getFirst()));
        assertTrue(!crl.isRevoked(
                Pem.certificates(pki.resolve("b").resolve(TestPki.CLIENT_CERT)).getFirst()));
    }

    @Test
    void mistakesAreOneLine() {
        CliRun badName = CliRun.of("certs", "--dir", tmp.resolve("pki").toString(), "--vm", "../etc");
        assertEquals(Main.EXIT_USAGE, badName.code());
        assertEquals(1, badName.err().lines().count(), badName.err());
        assertTrue(badName.err().contains("'../etc' is not a VM name"), badName.err());
        CliRun unknown = CliRun.of("certs", "--dir", tmp.resolve("pki").toString(), "--revoke", "a");
        assertEquals(Main.EXIT_USAGE, unknown.code());
        assertTrue(unknown.err().contains("no certificate of VM 'a'"), unknown.err());
    }

    /**
     * {@code --vm a} for a VM that has a certificate silently replaced its key and certificate: the guest's copy
     * stopped working and a policy pinning its sha256 refused it. Like {@code keys generate}, certs never overwrites
     * a key.
     */
    @Test
    void anIssuedVmKeyIsNeverOverwritten() throws Exception {
        Path pki = tmp.resolve("pki");
        assertEquals(0, CliRun.of("certs", "--dir", pki.toString(), "--vm", "a").code());
        byte[] key = Files.readAllBytes(pki.resolve("a").resolve(TestPki.CLIENT_KEY));
        byte[] cert = Files.readAllBytes(pki.resolve("a").resolve(TestPki.CLIENT_CERT));
        CliRun again = CliRun.of("certs", "--dir", pki.toString(), "--vm", "a");
        assertEquals(Main.EXIT_USAGE, again.code(), again.err());
        assertEquals(1, again.err().lines().count(), again.err());
        assertTrue(again.err().contains("VM 'a' already has a certificate in " + pki), again.err());
        assertTrue(
                java.util.Arrays.equals(key, Files.readAllBytes(pki.resolve("a").resolve(TestPki.CLIENT_KEY))));
        assertTrue(java.util.Arrays.equals(
                cert, Files.readAllBytes(pki.resolve("a").resolve(TestPki.CLIENT_CERT))));
    }

    /**
     * The refusal above was check-then-act: a key that appeared between the check and the write (a second certs
     * run, someone who can write DIR) was replaced by the final rename, and the key's bytes were written through a
     * second open of its temporary file, which follows a link planted there. Every certificate and key is now
     * created with CREATE_NEW, never following a link: the write itself refuses.
     */
    @Test
    void aKeyThatAppearsAfterTheCheckIsNeverReplaced() throws Exception {
        Path pki = tmp.resolve("pki");
        TestPki made = TestPki.create(pki, "ca", java.util.List.of(), java.time.Duration.ofDays(1));
        Path a = Files.createDirectories(pki.resolve("a"));
        Files.writeString(a.resolve(TestPki.CLIENT_KEY), "the key a guest holds");
        assertThrows(
                java.nio.file.FileAlreadyExistsException.class,
                () -> made.issueClient("a", java.time.Duration.ofDays(1)));
        assertEquals("the key a guest holds", Files.readString(a.resolve(TestPki.CLIENT_KEY)));

        Path b = Files.createDirectories(pki.resolve("b"));
        Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "not a key");
        Files.createSymbolicLink(b.resolve(TestPki.CLIENT_CERT), elsewhere);
        assertThrows(
                java.nio.file.FileAlreadyExistsException.class,
                () -> made.issueClient("b", java.time.Duration.ofDays(1)));
        assertTrue(Files.isSymbolicLink(b.resolve(TestPki.CLIENT_CERT)), "the link is left as it was");
        assertEquals("not a key", Files.readString(elsewhere));
        assertTrue(Files.notExists(b.resolve(TestPki.CLIENT_KEY)), "no key without its certificate");

        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve(TestPki.CA_KEY), "another CA's key");
        assertThrows(
                java.nio.file.FileAlreadyExistsException.class,
                () -> TestPki.create(other, "ca", java.util.List.of(), java.time.Duration.ofDays(1)));
        assertEquals("another CA's key", Files.readString(other.resolve(TestPki.CA_KEY)));
    }

    /** {@code --days 99999999} ended in "java.io.IOException: Parse Generalized time" and left an empty DIR/VM. */
    @Test
    void aValidityPastYear9999OrADirThatIsAFileIsOneUsageLine() throws Exception {
        Path pki = tmp.resolve("pki");
        CliRun tooLong = CliRun.of("certs", "--dir", pki.toString(), "--vm", "a", "--days", "99999999");
        assertEquals(Main.EXIT_USAGE, tooLong.code(), tooLong.err());
        assertTrue(tooLong.err().contains("--days must be"), tooLong.err());
        assertTrue(!tooLong.err().contains("Exception"), tooLong.err());
        assertTrue(!Files.exists(pki), "nothing written");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        CliRun notDir = CliRun.of("certs", "--dir", file.toString(), "--vm", "a");
        assertEquals(Main.EXIT_USAGE, notDir.code(), notDir.err());
        assertTrue(notDir.err().contains(file + " is not a directory"), notDir.err());
    }

    /**
     * A link planted at DIR/VM (here to the gateway's TLS directory) was followed: createDirectories accepted it,
     * the VM's client key and certificate were created there and its ca-cert.pem was renamed over. DIR/VM must be a
     * real directory.
     */
    @Test
    void aLinkPlantedAsTheVmsDirectoryIsRefusedAndNothingIsWrittenThroughIt() throws Exception {
        Path pki = tmp.resolve("pki");
        assertEquals(0, CliRun.of("certs", "--dir", pki.toString()).code());
        Path tls = Files.createDirectories(tmp.resolve("etc-p9gate-tls"));
        Files.writeString(tls.resolve(TestPki.CA_CERT), "the CA the gateway trusts");
        Files.createSymbolicLink(pki.resolve("vmx"), tls);
        CliRun run = CliRun.of("certs", "--dir", pki.toString(), "--vm", "vmx");
        assertEquals(1, run.code(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().contains(pki.resolve("vmx") + " is not a directory but a link to " + tls), run.err());
        assertEquals("the CA the gateway trusts", Files.readString(tls.resolve(TestPki.CA_CERT)));
        try (var files = Files.list(tls)) {
            assertEquals(1, files.count(), "no client key or certificate created through the link");
        }
    }

    /**
     * A failed run left what it had made: with a server key that appeared mid-run the CA stayed without a server
     * certificate, and every rerun then took DIR for a finished PKI. A failed rename left its *.tmp file.
     */
    @Test
    void aFailedRunRemovesWhatItCreated() throws Exception {
        Path pki = Files.createDirectories(tmp.resolve("pki"));
        Files.writeString(pki.resolve(TestPki.SERVER_KEY), "a key that appeared");
        CliRun run = CliRun.of("certs", "--dir", pki.toString());
        assertEquals(1, run.code(), run.err());
        try (var files = Files.list(pki)) {
            assertEquals(java.util.List.of(pki.resolve(TestPki.SERVER_KEY)), files.toList(), "only what was there");
        }

        Path fresh = tmp.resolve("fresh");
        assertEquals(0, CliRun.of("certs", "--dir", fresh.toString()).code());
        // The VM's ca-cert.pem cannot be renamed over: a non-empty directory is in its place.
        Files.createDirectories(fresh.resolve("a").resolve(TestPki.CA_CERT).resolve("x"));
        CliRun vm = CliRun.of("certs", "--dir", fresh.toString(), "--vm", "a");
        assertEquals(1, vm.code(), vm.err());
        try (var files = Files.list(fresh.resolve("a"))) {
            assertEquals(
                    java.util.List.of(fresh.resolve("a").resolve(TestPki.CA_CERT)),
                    files.toList(),
                    "no client key, certificate or .tmp left: a rerun is not refused");
        }
    }
}
