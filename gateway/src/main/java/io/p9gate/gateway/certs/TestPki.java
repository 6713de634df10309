package io.p9gate.gateway.certs;

import io.p9gate.audit.note.DiskSync;
import io.p9gate.audit.note.FileWriteFailure;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test PKI in one directory (what {@code p9gate certs} writes): {@code ca-cert.pem}/{@code ca-key.pem}, the
 * gateway's {@code server-cert.pem}/{@code server-key.pem} (SAN {@code IP:127.0.0.1} plus the names asked for),
 * and per VM a directory {@code VM/} with {@code client-cert.pem}, {@code client-key.pem} and a copy of
 * {@code ca-cert.pem}: exactly what the guest harness's {@code --tls-dir} wants. Keys are ECDSA P-256 (PKCS#8
 * PEM, mode 0600), signatures SHA-256. {@link #revoke} adds a VM's certificate to {@code ca-crl.pem}. For
 * trying TLS in minutes and for tests; a production PKI keeps its CA key off the ECU.
 */
public final class TestPki {
    public static final String CA_CERT = "ca-cert.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String CA_CRL = "ca-crl.pem";
    public static final String SERVER_CERT = "server-cert.pem";
    public static final String SERVER_KEY = "server-key.pem";
    public static final String CLIENT_CERT = "client-cert.pem";
    public static final String CLIENT_KEY = "client-key.pem";
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final DiskSync sync;

    private TestPki(Path dir, DiskSync sync) {
        this.dir = dir;
        this.sync = sync;
    }

    /** An existing PKI directory (for {@link #revoke} and more VMs). */
    public static TestPki at(Path dir) {
        return at(dir, DiskSync.FORCED);
    }

    static TestPki at(Path dir, DiskSync sync) {
        return new TestPki(dir, sync);
    }

    public Path dir() {
        return dir;
    }

    /**
     * Makes the CA and the server certificate in {@code dir} (created); a certificate or key already there is never
     * replaced ({@code FileAlreadyExistsException}).
     *
     * @param serverNames DNS names and IP addresses for the server certificate besides 127.0.0.1
     */
    public static TestPki create(Path dir, String caName, List<String> serverNames, Duration validity)
            throws IOException, GeneralSecurityException {
        return create(dir, caName, serverNames, validity, DiskSync.FORCED);
    }

    static TestPki create(Path dir, String caName, List<String> serverNames, Duration validity, DiskSync sync)
            throws IOException, GeneralSecurityException {
        Made made = new Made(sync);
        if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            made.add(dir);
        }
        try {
            TestPki pki = create(dir, caName, serverNames, validity, made);
            made.forceDirectories();
            return pki;
        } catch (Exception e) {
            made.undo(e);
            throw e;
        }
    }

    private static TestPki create(Path dir, String caName, List<String> serverNames, Duration validity, Made made)
            throws IOException, GeneralSecurityException {
        KeyPair ca = newKeyPair();
        X500Principal caSubject = new X500Principal("CN=" + caName);
        Instant now = Instant.now();
        X509Certificate caCert = sign(
                new JcaX509v3CertificateBuilder(
                                caSubject,
                                serial(),
                                Date.from(now.minus(Duration.ofHours(1))),
                                Date.from(now.plus(validity)),
                                caSubject,
                                ca.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                        .addExtension(
                                Extension.subjectKeyIdentifier,
                                false,
                                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(ca.getPublic())),
                ca.getPrivate());
        TestPki pki = new TestPki(dir, made.sync);
        writePair(dir.resolve(CA_CERT), caCert, dir.resolve(CA_KEY), ca.getPrivate(), made);
        List<GeneralName> sans = new ArrayList<>(List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        for (String name : serverNames) {
            sans.add(
                    isAddress(name)
                            ? new GeneralName(GeneralName.iPAddress, name)
                            : new GeneralName(GeneralName.dNSName, name));
        }
        pki.issue(
                dir.resolve(SERVER_CERT),
                dir.resolve(SERVER_KEY),
                "p9gate",
                sans,
                KeyPurposeId.id_kp_serverAuth,
                validity,
                made);
        pki.writeCrl(List.of(), made);
        return pki;
    }

    /**
     * A client certificate for {@code vm} (subject {@code CN=vm}, SAN {@code DNS:vm}) in {@code dir/vm/}, with the
     * CA certificate beside it.
     *
     * @return the certificate
     */
    public X509Certificate issueClient(String vm, Duration validity) throws IOException, GeneralSecurityException {
        Made made = new Made(sync);
        try {
            Path vmDir = vmDirectory(vm, made);
            X509Certificate cert = issue(
                    vmDir.resolve(CLIENT_CERT),
                    vmDir.resolve(CLIENT_KEY),
                    vm,
                    List.of(new GeneralName(GeneralName.dNSName, vm)),
                    KeyPurposeId.id_kp_clientAuth,
                    validity,
                    made);
            replace(vmDir.resolve(CA_CERT), Files.readString(dir.resolve(CA_CERT), StandardCharsets.US_ASCII), made);
            made.forceDirectories();
            return cert;
        } catch (Exception e) {
            made.undo(e);
            throw e;
        }
    }

    /**
     * DIR/VM, made if missing; refused unless a real directory. A link planted there (say to the gateway's TLS
     * directory) was followed: the client key created and ca-cert.pem renamed over wherever it pointed. mkdir does
     * not follow a link at its name, and the check after it does not either.
     */
    private Path vmDirectory(String vm, Made made) throws IOException {
        Path vmDir = dir.resolve(vm);
        try {
            made.add(Files.createDirectory(vmDir));
        } catch (FileAlreadyExistsException e) {
            // an existing one is checked below
        }
        if (!Files.isDirectory(vmDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(vmDir + " is not a directory"
                    + (Files.isSymbolicLink(vmDir) ? " but a link to " + Files.readSymbolicLink(vmDir) : "")
                    + ": a VM's certificate and key are written only into a real directory");
        }
        return vmDir;
    }

    /** Adds the VM's client certificate to the CRL ({@code ca-crl.pem}, re-signed with every revocation so far). */
    public X509CRL revoke(String vm) throws IOException, GeneralSecurityException {
        X509Certificate cert =
                Pem.certificates(dir.resolve(vm).resolve(CLIENT_CERT)).getFirst();
        List<BigInteger> revoked = new ArrayList<>();
        Path crlFile = dir.resolve(CA_CRL);
        if (Files.exists(crlFile)) {
            X509CRL old = Pem.crl(crlFile);
            if (old.getRevokedCertificates() != null) {
                old.getRevokedCertificates().forEach(r -> revoked.add(r.getSerialNumber()));
            }
        }
        if (!revoked.contains(cert.getSerialNumber())) {
            revoked.add(cert.getSerialNumber());
        }
        Made made = new Made(sync);
        try {
            X509CRL crl = writeCrl(revoked, made);
            made.forceDirectories();
            return crl;
        } catch (Exception e) {
            made.undo(e);
            throw e;
        }
    }

    private X509CRL writeCrl(List<BigInteger> revoked, Made made) throws IOException, GeneralSecurityException {
        X509Certificate ca = Pem.certificates(dir.resolve(CA_CERT)).getFirst();
        Instant now = Instant.now();
        X509v2CRLBuilder crl = new JcaX509v2CRLBuilder(ca.getSubjectX500Principal(), Date.from(now))
                .setNextUpdate(Date.from(now.plus(Duration.ofDays(30))));
        for (BigInteger serial : revoked) {
            crl.addCRLEntry(serial, Date.from(now), CRLReason.keyCompromise);
        }
        try {
            X509CRL out = new JcaX509CRLConverter().getCRL(crl.build(signer(caKey())));
            replace(dir.resolve(CA_CRL), pem(out), made);
            return out;
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private X509Certificate issue(
            Path certFile,
            Path keyFile,
            String cn,
            List<GeneralName> sans,
            KeyPurposeId purpose,
            Duration validity,
            Made made)
            throws IOException, GeneralSecurityException {
        X509Certificate ca = Pem.certificates(dir.resolve(CA_CERT)).getFirst();
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509Certificate cert = sign(
                new JcaX509v3CertificateBuilder(
                                ca,
                                serial(),
                                Date.from(now.minus(Duration.ofHours(1))),
                                Date.from(now.plus(validity)),
                                new X500Principal("CN=" + cn),
                                pair.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                        .addExtension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(sans.toArray(GeneralName[]::new)))
                        .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca)),
                caKey());
        writePair(certFile, cert, keyFile, pair.getPrivate(), made);
        return cert;
    }

    /** A certificate and its key, both new (the caller's undo removes the certificate when its key fails). */
    private static void writePair(Path certFile, X509Certificate cert, Path keyFile, PrivateKey key, Made made)
            throws IOException {
        writeNew(certFile, pem(cert), false, made);
        writeNew(keyFile, pem(key), true, made);
    }

    private PrivateKey caKey() throws IOException, GeneralSecurityException {
        return KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Pem.der(dir.resolve(CA_KEY), "PRIVATE KEY")));
    }

    private static X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(SIGNATURE).build(key);
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return gen.generateKeyPair();
    }

    /** 128 random bits, positive: unique without a serial-number register. */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static boolean isAddress(String name) {
        try {
            InetAddress.ofLiteral(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Replaces {@code file} (the CRL, a VM's copy of the CA certificate: public, rewritten): a new file renamed. The
     * new file is in {@code made} until renamed (a failed rename left it as *.tmp), the name after it when it is new;
     * its directory is forced by the caller's {@link Made#forceDirectories}.
     */
    private static void replace(Path file, String text, Made made) throws IOException {
        Path tmp =
                file.resolveSibling(file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        boolean existed = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        writeNew(tmp, text, false, made);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (!existed) {
            made.add(file);
        }
    }

    /**
     * Creates {@code file} with {@code text}. Certificates and keys are never replaced: the file is created with
     * CREATE_NEW, not following a link at its name, and written through that one open, so neither a file that
     * appeared after the caller's check nor a planted link is written over ({@code FileAlreadyExistsException}). A
     * private key is 0600 from its creation, before any byte of it. The file is in {@code made} from its creation:
     * a write that fails (ENOSPC) leaves no truncated certificate or key once the caller undoes. Forced to disk once
     * written: a crash soon after left an empty key, certificate or CRL (TestPkiDiskSyncTest).
     */
    private static void writeNew(Path file, String text, boolean secret, Made made) throws IOException {
        try (var channel = FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")))) {
            made.add(file);
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            made.sync.file(channel);
        } catch (IOException e) {
            throw FileWriteFailure.of(file, e); // a bare ENOSPC named no file (TestPkiFullDiskTest)
        }
    }

    /**
     * What one operation created, removed again (newest first) when it fails, so that a rerun does not find half a
     * PKI: a CA without its server certificate made every rerun take DIR for a finished one.
     */
    private static final class Made {
        private final List<Path> paths = new ArrayList<>();
        private final DiskSync sync;

        Made(DiskSync sync) {
            this.sync = sync;
        }

        void add(Path path) {
            paths.add(path);
        }

        /**
         * Once all is written: the directories of what was made or renamed on disk, so that a crash after the command
         * said done neither loses a new file nor brings back the CRL it replaced.
         */
        void forceDirectories() throws IOException {
            Set<Path> dirs = new LinkedHashSet<>();
            for (Path path : paths) {
                dirs.add(path.toAbsolutePath().getParent());
            }
            for (Path d : dirs) {
                sync.directory(d);
            }
        }

        void undo(Exception failure) {
            for (Path path : paths.reversed()) {
                try {
                    Files.deleteIfExists(path);
                } catch (DirectoryNotEmptyException e) {
                    // a directory someone else filled meanwhile is theirs now
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(
                    object instanceof PrivateKey key
                            ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded())
                            : object);
        }
        return text.toString();
    }
}
