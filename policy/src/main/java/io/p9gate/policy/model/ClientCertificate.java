package io.p9gate.policy.model;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;

/**
 * Which TLS client certificate is a VM's (R-DEP-1): pinned by SHA-256 fingerprint of the whole certificate, or
 * issued by {@code ca} and naming the VM in its subject and/or a subject alternative name. A certificate listed
 * in {@code crl} (a CRL file signed by {@code ca}) is refused whatever else matches.
 *
 * @param sha256  fingerprints (64 lower-case hex digits), any of which is this VM; empty when pinned by CA
 * @param ca      PEM file of the CA certificate(s) that issue this VM's certificate, or null
 * @param subject the subject distinguished name required (RFC 2253, compared as written: {@link #subjectAsMatched}), or
 *                null
 * @param san     a subject alternative name required, {@code DNS:name}, {@code IP:address}, {@code URI:uri} or
 *                {@code email:address}, or null
 * @param crl     a PEM or DER CRL of {@code ca}, or null
 */
public record ClientCertificate(List<String> sha256, Path ca, String subject, String san, Path crl) {
    /** Nothing pinned: no certificate is this VM's (a TLS listener without {@code client-cert:}). */
    public static final ClientCertificate NONE = new ClientCertificate(List.of(), null, null, null, null);

    public ClientCertificate {
        sha256 = sha256.stream().map(ClientCertificate::normaliseFingerprint).toList();
    }

    /** {@code AB:CD:...} or {@code abcd...} as 64 lower-case hex digits. */
    public static String normaliseFingerprint(String text) {
        String hex = text.replace(":", "").toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "a SHA-256 fingerprint is 64 hex digits (colons allowed), found '" + text + "'");
        }
        return hex;
    }

    /**
     * The pinned subject as the gateway compares it with a certificate's, exactly: RFC 2253 text of its DER encoding,
     * which orders the attributes of a multi-valued RDN ({@code OU=vms+CN=a}) as a certificate's does, and keeps case
     * and spaces (X.500 matching would fold them, and {@code CN=A} would then be this VM). Null without a subject.
     */
    public String subjectAsMatched() {
        return subject == null ? null : new X500Principal(new X500Principal(subject).getEncoded()).getName();
    }

    /** The pinned SAN as the gateway matches it ({@link #sanAsMatched(String)}); null without a SAN. */
    public String sanAsMatched() {
        return san == null ? null : sanAsMatched(san);
    }

    /**
     * A subject alternative name, {@code KIND:value}, as the gateway compares a pinned one with a certificate's, both
     * read by this one function: the kind in capitals, DNS names and email addresses in lower case (they match
     * whatever their case), an IP address in its one textual form ({@code ::1} for {@code 0:0::1}). Null for an IP
     * SAN that is no IP address: no certificate carries one, and a pin of it is refused at load.
     */
    public static String sanAsMatched(String san) {
        int colon = san.indexOf(':');
        String kind = san.substring(0, colon).toUpperCase(Locale.ROOT);
        String value = san.substring(colon + 1);
        return switch (kind) {
            case "DNS", "EMAIL" -> kind + ":" + value.toLowerCase(Locale.ROOT);
            case "IP" -> {
                try {
                    yield kind + ":" + InetAddress.ofLiteral(value).getHostAddress();
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
            default -> kind + ":" + value;
        };
    }

    public boolean pinsNothing() {
        return sha256.isEmpty() && ca == null;
    }

    /** The files this pin reads, for R-POL-9 (gateway state no share may reach). */
    public List<Path> files() {
        return Stream.of(ca, crl).filter(Objects::nonNull).toList();
    }

    public String describe() {
        if (!sha256.isEmpty())
            return "sha256 "
                    + String.join(
                            " or ",
                            sha256.stream().map(f -> f.substring(0, 16) + "…").toList());
        StringBuilder out = new StringBuilder("issued by " + ca);
        if (subject != null) out.append(", subject ").append(subject);
        if (san != null) out.append(", SAN ").append(san);
        return out.toString();
    }
}
