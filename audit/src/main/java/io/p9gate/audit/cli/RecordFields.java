package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.PrintableText;
import java.io.PrintWriter;

/**
 * {@code audit show --format fields}: one line per record with every field, {@code name=value}, named and ordered
 * as docs/audit-format.md lists them. The table leaves most of them out (ids, bytes, a decision's detail); the
 * stored JSON has them all but is hard to read by eye. Values are escaped ({@link PrintableText}) and quoted when
 * they hold anything but visible ASCII (a space of any kind, a quote, a character that may print blank), or read
 * "null", so a guest's name can neither forge a field nor a line.
 */
final class RecordFields {
    private RecordFields() {}

    static void line(PrintWriter out, AuditRecord r) {
        out.println(String.join(
                " ",
                field("seq", r.seq()),
                field("boot", r.boot()),
                field("time", r.time()),
                field("type", r.type()),
                field("vm", r.vm()),
                field("session", r.session()),
                field("op", r.op()),
                field("tag", r.tag()),
                field("path", r.path()),
                field("guest_uid", r.guestUid()),
                field("guest_gid", r.guestGid()),
                field("host_uid", r.hostUid()),
                field("host_gid", r.hostGid()),
                field("decision", r.decision()),
                field("rules", r.rules() == null ? null : String.join(",", r.rules())),
                field("policy", r.policy()),
                field("errno", r.errno()),
                field("bytes", r.bytes()),
                field("count", r.count()),
                field("detail", r.detail()),
                field("prev", r.prev())));
    }

    /** {@code name=value}; an absent value is {@code null}, as stored, and the text "null" is quoted. */
    static String field(String name, Object value) {
        if (value == null) {
            return name + "=null";
        }
        String text = PrintableText.escape(value.toString());
        boolean quoted = text.isEmpty() || text.equals("null") || !visibleAscii(text);
        return name + "=" + (quoted ? "\"" + text.replace("\"", "\\\"") + "\"" : text);
    }

    /**
     * Whether every character is visible ASCII, no space or quote among them: only such a value goes unquoted.
     * {@link PrintableText} keeps what prints, and more than Unicode's spaces print blank (a Braille blank, the
     * Hangul fillers, a code point the font lacks): unquoted, a guest's {@code a<U+00A0>decision=allow} or
     * {@code a<U+2800>decision=allow} read by eye as a forged field (ShowFieldsTest).
     */
    private static boolean visibleAscii(String text) {
        return text.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '"');
    }
}
