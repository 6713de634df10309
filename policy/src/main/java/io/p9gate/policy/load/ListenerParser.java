package io.p9gate.policy.load;

import io.p9gate.policy.model.AccountNames;
import io.p9gate.policy.model.ClientCertificate;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PeerCredentials;
import io.p9gate.policy.model.SocketFile;
import io.p9gate.policy.model.SourcePos;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A VM's {@code listen:} and the keys that go with its form (R-DEP-1): {@code socket:} and {@code peer:} for a
 * Unix socket, {@code client-cert:} for TLS. A key that does not fit the form is an error at that key.
 */
final class ListenerParser {
    /** The VM keys this parser reads besides {@code listen}. */
    static final Set<String> KEYS = Set.of("socket", "peer", "client-cert");

    private static final Pattern ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|[0-9]{1,10}");
    private static final Pattern SAN = Pattern.compile("(DNS|IP|URI|email):.+");

    private final Path policyFile;

    ListenerParser(Path policyFile) {
        this.policyFile = policyFile;
    }

    ListenerSpec listener(Fields vm) throws PolicyLoadException {
        ListenerSpec listen;
        try {
            listen = ListenerSpec.parse(vm.string("listen"));
        } catch (IllegalArgumentException e) {
            throw new PolicyLoadException(vm.node("listen").pos(), e.getMessage());
        }
        for (String key : KEYS) {
            if (vm.has(key) && !fits(key, listen)) {
                throw new PolicyLoadException(
                        vm.node(key).pos(),
                        "'" + key + "' does not apply to " + listen.describe() + " ("
                                + (key.equals("client-cert") ? "tls:" : "unix:") + " listeners only)");
            }
        }
        return switch (listen) {
            case ListenerSpec.UnixSocket u -> unixSocket(u.path(), vm.nodeOrNull("socket"), vm.nodeOrNull("peer"));
            case ListenerSpec.Tls t -> {
                if (!vm.has("client-cert")) {
                    throw new PolicyLoadException(
                            vm.node("listen").pos(),
                            listen.describe()
                                    + " needs 'client-cert' (sha256, or ca with subject and/or san): the certificate is the VM");
                }
                yield new ListenerSpec.Tls(t.host(), t.port(), clientCert(vm.node("client-cert")));
            }
            case ListenerSpec.Vsock v -> v;
            case ListenerSpec.Tcp t -> t;
        };
    }

    private static boolean fits(String key, ListenerSpec listen) {
        return key.equals("client-cert")
                ? listen instanceof ListenerSpec.Tls
                : listen instanceof ListenerSpec.UnixSocket;
    }

    private static ListenerSpec.UnixSocket unixSocket(Path path, YamlNode socketNode, YamlNode peerNode)
            throws PolicyLoadException {
        Fields socket = socketNode == null ? null : Fields.of(socketNode, "socket", Set.of("owner", "group", "mode"));
        Fields peer = peerNode == null ? null : Fields.of(peerNode, "peer", Set.of("uid", "gid"));
        AccountNames names =
                new AccountNames(at(socket, "owner"), at(socket, "group"), at(peer, "uid"), at(peer, "gid"));
        return new ListenerSpec.UnixSocket(path, socket(socket), peer(peer), names);
    }

    /** Where {@code f} names {@code key}'s account, or null. */
    private static SourcePos at(Fields f, String key) {
        YamlNode n = f == null ? null : f.nodeOrNull(key);
        return n == null ? null : n.pos();
    }

    private static SocketFile socket(Fields f) throws PolicyLoadException {
        if (f == null) return SocketFile.DEFAULT;
        String owner = id(f, "owner");
        String group = id(f, "group");
        int mode = SocketFile.DEFAULT.mode();
        if (f.has("mode")) {
            String t = f.string("mode");
            if (!t.matches("0?[0-7]{1,3}"))
                throw new PolicyLoadException(
                        f.node("mode").pos(), "socket mode must be octal, e.g. \"0660\", found '" + t + "'");
            mode = Integer.parseInt(t, 8);
            if ((mode & 0600) != 0600 && (mode & 0060) != 0060) {
                throw new PolicyLoadException(
                        f.node("mode").pos(),
                        "socket mode 0" + Integer.toOctalString(mode)
                                + " lets neither owner nor group read and write: no hypervisor could connect");
            }
        }
        return new SocketFile(owner, group, mode);
    }

    private static PeerCredentials peer(Fields f) throws PolicyLoadException {
        if (f == null) return PeerCredentials.ANY;
        PeerCredentials p = new PeerCredentials(id(f, "uid"), id(f, "gid"));
        if (p.any()) throw new PolicyLoadException(f.pos(), "peer names neither 'uid' nor 'gid'");
        return p;
    }

    /** A user or group name, or a numeric id. */
    private static String id(Fields f, String key) throws PolicyLoadException {
        if (!f.has(key)) return null;
        String t = f.string(key);
        if (!ID.matcher(t).matches())
            throw new PolicyLoadException(
                    f.node(key).pos(), "'" + key + "' must be a user/group name or a numeric id, found '" + t + "'");
        if (t.chars().allMatch(Character::isDigit) && Long.parseLong(t) > 0xFFFFFFFEL) {
            throw new PolicyLoadException(f.node(key).pos(), "'" + key + "' id out of range: " + t);
        }
        return t;
    }

    private ClientCertificate clientCert(YamlNode n) throws PolicyLoadException {
        Fields f = Fields.of(n, "client-cert", Set.of("sha256", "ca", "subject", "san", "crl"));
        List<String> pins = new ArrayList<>();
        if (f.has("sha256")) {
            YamlNode s = f.node("sha256");
            boolean list = s instanceof YamlNode.Sequence;
            List<YamlNode> items = list ? ((YamlNode.Sequence) s).items() : List.of(s);
            for (YamlNode item : items) {
                try {
                    pins.add(
                            ClientCertificate.normaliseFingerprint(Fields.text(item, list ? "sha256 item" : "sha256")));
                } catch (IllegalArgumentException e) {
                    throw new PolicyLoadException(item.pos(), e.getMessage());
                }
            }
        }
        Path ca = pemFile(f, "ca");
        Path crl = pemFile(f, "crl");
        String subject = f.has("subject") ? f.string("subject") : null;
        String san = f.has("san") ? f.string("san") : null;
        if (subject != null) {
            try {
                new javax.security.auth.x500.X500Principal(subject);
            } catch (IllegalArgumentException e) {
                throw new PolicyLoadException(
                        f.node("subject").pos(),
                        "subject is not a distinguished name (e.g. CN=adas,O=ECU): " + subject);
            }
        }
        if (san != null && !SAN.matcher(san).matches()) {
            throw new PolicyLoadException(
                    f.node("san").pos(),
                    "san must be DNS:NAME, IP:ADDRESS, URI:URI or email:ADDRESS, found '" + san + "'");
        }
        if (san != null && ClientCertificate.sanAsMatched(san) == null) {
            throw new PolicyLoadException(
                    f.node("san").pos(),
                    "san " + san
                            + " is not an IP address (e.g. IP:10.0.3.7 or IP:fd00::7): no certificate could match it");
        }
        if (!pins.isEmpty() && (ca != null || subject != null || san != null)) {
            throw new PolicyLoadException(
                    f.pos(), "client-cert: pin by 'sha256' or by 'ca' with 'subject'/'san', not both");
        }
        if (pins.isEmpty()) {
            if (ca == null) throw new PolicyLoadException(f.pos(), "client-cert needs 'sha256' or 'ca'");
            if (subject == null && san == null) {
                throw new PolicyLoadException(
                        f.pos(),
                        "client-cert with 'ca' needs 'subject' and/or 'san': "
                                + "otherwise every certificate of the CA would be this VM");
            }
        }
        if (crl != null && ca == null)
            throw new PolicyLoadException(f.node("crl").pos(), "'crl' needs 'ca' (the CRL is checked against it)");
        checkParses(f, "ca", ca, false);
        checkParses(f, "crl", crl, true);
        return new ClientCertificate(pins, ca, subject, san, crl);
    }

    private Path pemFile(Fields f, String key) throws PolicyLoadException {
        if (!f.has(key)) return null;
        Path p = policyFile.resolveSibling(f.string(key)).normalize();
        if (!Files.isRegularFile(p)) throw new PolicyLoadException(f.node(key).pos(), "no such " + key + " file: " + p);
        return p;
    }

    /** The CA certificates and the CRL are read now, so that a broken file is an error at load, not at connect. */
    private static void checkParses(Fields f, String key, Path file, boolean crl) throws PolicyLoadException {
        if (file == null) return;
        try (InputStream in = Files.newInputStream(file)) {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            if (crl
                    ? x509.generateCRL(in) == null
                    : x509.generateCertificates(in).isEmpty()) {
                throw new GeneralSecurityException("empty");
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new PolicyLoadException(
                    f.node(key).pos(),
                    file + " is not a " + (crl ? "CRL" : "certificate") + " file (PEM or DER): " + e.getMessage());
        }
    }
}
