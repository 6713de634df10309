package io.p9gate.audit;

import java.time.Instant;

/**
 * Turns an event plus the fields the log owns into the canonical record line (without its trailing newline).
 * The field order is fixed and every field is always present (null when it does not apply); see
 * docs/audit-format.md. These bytes are what is stored and what is hashed.
 */
final class RecordEncoder {
    private RecordEncoder() {}

    /** @param boot the log's boot id as text (formatted once per log, not per record) */
    static byte[] encode(long seq, String boot, Instant time, AuditEvent event, byte[] prevChain) {
        return fields(new CanonicalJson(), seq, boot, time, event, prevChain).toBytes();
    }

    /**
     * Encodes the record into {@code line} (reset first), followed by its newline; returns the record's length
     * without the newline. The log's append path: the bytes are hashed and written from {@code line.buffer()}.
     */
    static int encodeLine(CanonicalJson line, long seq, String boot, Instant time, AuditEvent event, byte[] prevChain) {
        return fields(line.reset(), seq, boot, time, event, prevChain).endLine();
    }

    private static CanonicalJson fields(
            CanonicalJson json, long seq, String boot, Instant time, AuditEvent event, byte[] prevChain) {
        json.number("seq", seq).string("boot", boot).time("time", time);
        switch (event) {
            case AuditEvent.Decision d ->
                json.string("type", "decision")
                        .string("vm", d.vm())
                        .number("session", d.session())
                        .string("op", d.op())
                        .number("tag", d.tag())
                        .string("path", d.path())
                        .number("guest_uid", d.ids().guestUid())
                        .number("guest_gid", d.ids().guestGid())
                        .number("host_uid", d.ids().hostUid())
                        .number("host_gid", d.ids().hostGid())
                        .string("decision", d.outcome().wire())
                        .strings("rules", d.ruleIds())
                        .string("policy", d.policyDigest())
                        .number("errno", d.errno())
                        .numberOrNull("bytes", d.bytes(), d.bytes() >= 0)
                        .number("count", d.count())
                        .string("detail", d.detail());
            case AuditEvent.Lifecycle l ->
                json.string("type", l.kind().wire())
                        .string("vm", l.vm())
                        .numberOrNull("session", l.session(), l.session() != AuditEvent.NO_SESSION)
                        .string("op", null)
                        .string("tag", null)
                        .string("path", null)
                        .string("guest_uid", null)
                        .string("guest_gid", null)
                        .string("host_uid", null)
                        .string("host_gid", null)
                        .string("decision", null)
                        .strings("rules", null)
                        .string("policy", l.policyDigest())
                        .string("errno", null)
                        .string("bytes", null)
                        .string("count", null)
                        .string("detail", l.detail());
        }
        return json.hex("prev", prevChain);
    }
}
