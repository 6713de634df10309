package io.p9gate.gateway.compliance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A VM's TLS client certificate and key ({@code --tls-cert VM=CERT,KEY}), for listeners that identify VMs by TLS. */
record TlsCertificate(Path certificate, Path key) {

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
                throw new IllegalArgumentException("--tls-cert must be VM=CERT,KEY, not '" + value + "'");
            }
            String vm = value.substring(0, eq);
            TlsCertificate cert = new TlsCertificate(Path.of(value.substring(eq + 1, comma)),
                    Path.of(value.substring(comma + 1)));
            for (Path p : List.of(cert.certificate(), cert.key())) {
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException("--tls-cert " + vm + ": cannot read " + p);
                }
            }
            if (out.put(vm, cert) != null) {
                throw new IllegalArgumentException("--tls-cert given twice for VM '" + vm + "'");
            }
        }
        return out;
    }
}
