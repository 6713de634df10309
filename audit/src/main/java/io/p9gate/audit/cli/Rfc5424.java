package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.PrintableText;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * RFC 5424 syslog lines for exported records: facility 13 (log audit), severity warning for denials and notice
 * for everything else, structured data under the documentation enterprise number 32473 (RFC 5612), and the
 * stored JSON record as the message so that it stays verifiable. One record is one line whatever it holds: the
 * message is the stored line (printable ASCII, see {@code CliCommand#parsed}), structured data values are
 * escaped ({@link PrintableText}, then RFC 5424's own escaping), and header fields that a doctored record could
 * fill with anything are checked and replaced by the NILVALUE {@code -} when they do not fit the syntax.
 */
final class Rfc5424 {
    private static final int FACILITY_LOG_AUDIT = 13;
    private static final int WARNING = 4;
    private static final int NOTICE = 5;
    private static final String SD_ID = "p9gate@32473";
    private static final Pattern TIMESTAMP =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,6})?Z");
    private static final Pattern MSGID = Pattern.compile("[a-z_]{1,32}");

    private Rfc5424() {}

    static String format(AuditRecord r, byte[] storedLine, String hostname) {
        int severity = "deny".equals(r.decision()) ? WARNING : NOTICE;
        StringBuilder b = new StringBuilder();
        b.append('<')
                .append(FACILITY_LOG_AUDIT * 8 + severity)
                .append(">1 ")
                .append(checked(r.time(), TIMESTAMP))
                .append(' ')
                .append(hostname)
                .append(" p9gate - ")
                .append(r.isDecision() ? "decision" : checked(r.type(), MSGID))
                .append(' ')
                .append('[')
                .append(SD_ID);
        param(b, "seq", Long.toString(r.seq()));
        param(b, "vm", r.vm());
        param(b, "op", r.op());
        param(b, "path", r.path());
        param(b, "decision", r.decision());
        param(b, "count", r.isDecision() ? Long.toString(r.requests()) : null);
        param(b, "rules", r.rules() == null ? null : String.join(",", r.rules()));
        param(b, "errno", r.errno() == null ? null : r.errno().toString());
        b.append("] ").append(new String(storedLine, StandardCharsets.US_ASCII));
        return b.toString();
    }

    private static String checked(String value, Pattern syntax) {
        return value != null && syntax.matcher(value).matches() ? value : "-";
    }

    /**
     * SD-PARAM: control characters escaped ({@link PrintableText}), then '"', '\' and ']' escaped as RFC 5424
     * §6.3.3 requires; absent values are left out.
     */
    private static void param(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        b.append(' ').append(name).append("=\"");
        for (char c : PrintableText.escape(value).toCharArray()) {
            if (c == '"' || c == '\\' || c == ']') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }
}
