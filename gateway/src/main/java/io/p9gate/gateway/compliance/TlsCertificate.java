package io.p9gate.gateway.compliance;

import io.p9gate.gateway.server.ServerTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A VM's TLS client certificate and key, and the CA that issued the gateway's certificate
 * ({@code --tls-cert VM=CERT,KEY[,CA]}; without CA, {@code ca-cert.pem} beside CERT, as {@code p9gate certs}
 * lays them out), for listeners that identify VMs by TLS.
 */
record TlsCertificate(Path certificate, Path key, Path ca) {
    static final String USAGE = "VM=CERT,KEY[,CA]";

    /**
     * Parses the option values into certificates by VM.
     *
     * @throws IllegalArgumentException one line, for a malformed value, a repeated VM or a missing file
     */
    static Map<String, TlsCertificate> parse(List<String> values) {
        Map<String, TlsCertificate> out = new LinkedHashMap<>();
        for (String value : values) {
            int eq = value.indexOf('=');
            int comma = value.indexOf(',', eq + 1);
            if (eq <= 0 || comma < 0 || comma == eq + 1 || comma == value.length() - 1) {
                throw new IllegalArgumentException("--tls-cert must be " + USAGE + ", not '" + value + "'");
            }
            String vm = value.substring(0, eq);
            String[] files = value.substring(eq + 1).split(",", -1);
            if (files.length > 3 || List.of(files).contains("")) {
                throw new IllegalArgumentException("--tls-cert must be " + USAGE + ", not '" + value + "'");
            }
            Path certificate = Path.of(files[0]);
            Path ca = files.length == 3 ? Path.of(files[2]) : certificate.resolveSibling("ca-cert.pem");
            TlsCertificate cert = new TlsCertificate(certificate, Path.of(files[1]), ca);
            for (Path p : List.of(cert.certificate(), cert.key(), cert.ca())) {
                // The certificate first, with the reason: a directory as CERT was said as "cannot read
                // DIR/../ca-cert.pem", the CA looked for beside it, with no reason.
                try {
                    ServerTls.requireReadable(p);
                } catch (IOException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
            if (out.put(vm, cert) != null) {
                throw new IllegalArgumentException("--tls-cert given twice for VM '" + vm + "'");
            }
        }
        return out;
    }
}
