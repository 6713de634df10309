package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.ErrnoNames;
import io.p9gate.audit.read.PrintableText;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The human table of {@code audit show}: one line per record, fixed columns, long paths left unclipped at the end.
 * Every text field is escaped ({@link PrintableText}): a guest's file name can hold a newline or a terminal
 * escape sequence, and must neither forge a row nor reach the reviewer's terminal.
 */
final class RecordTable {
    private static final String FORMAT = "%-8s %-27s %-10s %-5s %-14s %-8s %-6s %-6s %-16s %s%n";

    private RecordTable() {}

    static void header(PrintWriter out) {
        out.printf(
                Locale.ROOT,
                FORMAT,
                "SEQ",
                "TIME",
                "VM",
                "SESS",
                "OP",
                "DECISION",
                "COUNT",
                "ERRNO",
                "RULES",
                "PATH/DETAIL");
    }

    static void row(PrintWriter out, AuditRecord r) {
        String rules = r.rules() == null ? "" : String.join(",", r.rules());
        out.printf(
                Locale.ROOT,
                FORMAT,
                r.seq(),
                dash(r.time()),
                dash(r.vm()),
                r.session() == null ? "-" : r.session(),
                dash(r.isDecision() ? r.op() : r.type()),
                dash(r.decision()),
                r.isDecision() ? r.requests() : "-",
                r.errno() == null ? "-" : ErrnoNames.name(r.errno()),
                rules.isEmpty() ? "-" : PrintableText.escape(rules),
                dash(r.isDecision() ? r.path() : r.detail()));
    }

    private static String dash(String s) {
        return s == null ? "-" : PrintableText.escape(s);
    }
}
