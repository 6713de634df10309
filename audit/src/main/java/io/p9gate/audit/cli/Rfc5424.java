package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;

import java.nio.charset.StandardCharsets;

/**
 * RFC 5424 syslog lines for exported records: facility 13 (log audit), severity warning for denials and notice
 * for everything else, structured data under the documentation enterprise number 32473 (RFC 5612), and the
 * stored JSON record as the message so that it stays verifiable.
 */
final class Rfc5424 {
    private static final int FACILITY_LOG_AUDIT = 13;
    private static final int WARNING = 4;
    private static final int NOTICE = 5;
    private static final String SD_ID = "p9gate@32473";

    private Rfc5424() {
    }

    static String format(AuditRecord r, byte[] storedLine, String hostname) {
        int severity = "deny".equals(r.decision()) ? WARNING : NOTICE;
        StringBuilder b = new StringBuilder();
        b.append('<').append(FACILITY_LOG_AUDIT * 8 + severity).append(">1 ")
                .append(r.time()).append(' ')
                .append(hostname).append(" p9gate - ")
                .append(r.isDecision() ? "decision" : r.type()).append(' ')
                .append('[').append(SD_ID);
        param(b, "seq", Long.toString(r.seq()));
        param(b, "vm", r.vm());
        param(b, "op", r.op());
        param(b, "path", r.path());
        param(b, "decision", r.decision());
        param(b, "rules", r.rules() == null ? null : String.join(",", r.rules()));
        param(b, "errno", r.errno() == null ? null : r.errno().toString());
        b.append("] ").append(new String(storedLine, StandardCharsets.US_ASCII));
        return b.toString();
    }

    /** SD-PARAM with '"', '\' and ']' escaped as RFC 5424 §6.3.3 requires; absent values are left out. */
    private static void param(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        b.append(' ').append(name).append("=\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\' || c == ']') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }
}
