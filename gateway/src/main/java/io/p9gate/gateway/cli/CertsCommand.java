package io.p9gate.gateway.cli;

import io.p9gate.audit.note.FileReason;
import io.p9gate.audit.note.LinkLoop;
import io.p9gate.gateway.certs.Fingerprint;
import io.p9gate.gateway.certs.TestPki;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code p9gate certs}: a test PKI for the policy's {@code tls:} listeners, so that mutual TLS can be tried in
 * minutes: a CA, the gateway's certificate and one client certificate per VM, in the layout the guest harness's
 * {@code --tls-dir} reads; {@code --revoke VM} adds a VM's certificate to the CA's CRL.
 */
@Command(
        name = "certs",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Make a test CA, the gateway's TLS certificate and per-VM client certificates in DIR "
                + "(ECDSA P-256, PEM; keys 0600), or revoke a VM's certificate. For trying tls: listeners; "
                + "a production PKI keeps its CA key off the ECU.")
final class CertsCommand implements Callable<Integer> {
    /** A VM's directory name: the policy's VM ids are like this too. */
    private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--dir",
            required = true,
            paramLabel = "DIR",
            description = "Where the PKI is: ca-cert.pem, ca-key.pem, ca-crl.pem, server-cert.pem, server-key.pem "
                    + "and per VM VM/client-cert.pem, VM/client-key.pem, VM/ca-cert.pem.")
    Path dir;

    @Option(
            names = "--vm",
            paramLabel = "VM",
            description =
                    "Issue a client certificate (CN=VM, SAN DNS:VM) for "
                            + "this VM (repeatable). Without --revoke, a new CA and server certificate are made unless DIR has them.")
    List<String> vms = new ArrayList<>();

    @Option(
            names = "--server-name",
            paramLabel = "NAME",
            description = "A DNS name or IP address for the gateway's certificate besides 127.0.0.1 (repeatable).")
    List<String> serverNames = new ArrayList<>();

    @Option(
            names = "--days",
            paramLabel = "N",
            description = "Validity of new certificates (default: ${DEFAULT-VALUE}).")
    int days = 30;

    /** A hundred years: X.509 dates end with 9999, and --days 99999999 failed half-way, after creating DIR/VM. */
    private static final int MAX_DAYS = 36_500;

    @Option(
            names = "--revoke",
            paramLabel = "VM",
            description = "Add this VM's client certificate to ca-crl.pem " + "(repeatable).")
    List<String> revoke = new ArrayList<>();

    @Override
    public Integer call() throws IOException, GeneralSecurityException {
        if (days < 1 || days > MAX_DAYS) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--days must be between 1 and " + MAX_DAYS + ", not " + days);
        }
        if (LinkLoop.at(dir)) {
            // Found at the first file written, in the JDK's words, exit 1.
            throw new CommandLine.ParameterException(spec.commandLine(), FileReason.said(dir, LinkLoop.REASON));
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), dir + " is not a directory");
        }
        for (String vm : concat(vms, revoke)) {
            if (!VM_NAME.matcher(vm).matches()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "'" + vm + "' is not a VM name " + "(letters, digits, '.', '_', '-')");
            }
        }
        if (vms.isEmpty() && revoke.isEmpty() && Files.exists(dir.resolve(TestPki.CA_CERT))) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), dir + " already holds a CA: give --vm VM " + "or --revoke VM");
        }
        for (String vm : vms) {
            // As 'keys generate': a key is never overwritten; the guest holds a copy and a policy may pin its cert.
            if (Files.exists(dir.resolve(vm).resolve(TestPki.CLIENT_KEY), LinkOption.NOFOLLOW_LINKS)
                    || Files.exists(dir.resolve(vm).resolve(TestPki.CLIENT_CERT), LinkOption.NOFOLLOW_LINKS)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "VM '" + vm + "' already has a certificate in " + dir + "; to replace it, --revoke it and"
                                + " remove " + dir.resolve(vm));
            }
        }
        for (String vm : revoke) {
            if (!Files.exists(dir.resolve(vm).resolve(TestPki.CLIENT_CERT)) && !vms.contains(vm)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "no certificate of VM '" + vm + "' in " + dir);
            }
        }
        try {
            return make();
        } catch (FileAlreadyExistsException e) {
            // The check above is advice: the files are created CREATE_NEW, so one that appeared since is kept.
            throw new IOException(e.getFile() + " appeared while certs ran and is kept; nothing was replaced", e);
        }
    }

    private int make() throws IOException, GeneralSecurityException {
        PrintWriter out = spec.commandLine().getOut();
        Duration validity = Duration.ofDays(days);
        TestPki pki;
        if (Files.exists(dir.resolve(TestPki.CA_CERT))) {
            pki = TestPki.at(dir);
        } else {
            pki = TestPki.create(dir, "p9gate test CA", serverNames, validity);
            out.println("CA " + dir.resolve(TestPki.CA_CERT) + " (key " + dir.resolve(TestPki.CA_KEY) + ")");
            out.println("server " + dir.resolve(TestPki.SERVER_CERT) + " (key " + dir.resolve(TestPki.SERVER_KEY)
                    + "): serve --tls-cert/--tls-key");
        }
        for (String vm : vms) {
            X509Certificate cert = pki.issueClient(vm, validity);
            out.println("VM " + vm + " " + dir.resolve(vm).resolve(TestPki.CLIENT_CERT) + " sha256 "
                    + Fingerprint.sha256(cert));
        }
        for (String vm : revoke) {
            pki.revoke(vm);
            out.println("revoked VM " + vm + "'s certificate in " + dir.resolve(TestPki.CA_CRL));
        }
        out.flush();
        return 0;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
