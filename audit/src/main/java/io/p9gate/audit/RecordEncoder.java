package io.p9gate.audit;

import io.p9gate.audit.read.AbbreviatedPath;
import java.time.Instant;

/**
 * Turns an event plus the fields the log owns into the canonical record line (without its trailing newline).
 * The field order is fixed and every field is always present (null when it does not apply); see
 * docs/audit-format.md. These bytes are what is stored and what is hashed.
 */
final class RecordEncoder {
    // The record's fields, in their fixed order; each name is encoded once (see CanonicalJson.Field).
    private static final CanonicalJson.Field SEQ = new CanonicalJson.Field("seq");
    private static final CanonicalJson.Field BOOT = new CanonicalJson.Field("boot");
    private static final CanonicalJson.Field TIME = new CanonicalJson.Field("time");
    private static final CanonicalJson.Field TYPE = new CanonicalJson.Field("type");
    private static final CanonicalJson.Field VM = new CanonicalJson.Field("vm");
    private static final CanonicalJson.Field SESSION = new CanonicalJson.Field("session");
    private static final CanonicalJson.Field OP = new CanonicalJson.Field("op");
    private static final CanonicalJson.Field TAG = new CanonicalJson.Field("tag");
    private static final CanonicalJson.Field PATH = new CanonicalJson.Field("path");
    private static final CanonicalJson.Field GUEST_UID = new CanonicalJson.Field("guest_uid");
    private static final CanonicalJson.Field GUEST_GID = new CanonicalJson.Field("guest_gid");
    private static final CanonicalJson.Field HOST_UID = new CanonicalJson.Field("host_uid");
    private static final CanonicalJson.Field HOST_GID = new CanonicalJson.Field("host_gid");
    private static final CanonicalJson.Field DECISION = new CanonicalJson.Field("decision");
    private static final CanonicalJson.Field RULES = new CanonicalJson.Field("rules");
    private static final CanonicalJson.Field POLICY = new CanonicalJson.Field("policy");
    private static final CanonicalJson.Field ERRNO = new CanonicalJson.Field("errno");
    private static final CanonicalJson.Field BYTES = new CanonicalJson.Field("bytes");
    private static final CanonicalJson.Field COUNT = new CanonicalJson.Field("count");
    private static final CanonicalJson.Field DETAIL = new CanonicalJson.Field("detail");
    private static final CanonicalJson.Field PREV = new CanonicalJson.Field("prev");

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
        json.number(SEQ, seq).string(BOOT, boot).time(TIME, time);
        switch (event) {
            case AuditEvent.Decision d ->
                json.string(TYPE, "decision")
                        .string(VM, d.vm())
                        .number(SESSION, d.session())
                        .string(OP, d.op())
                        .number(TAG, d.tag())
                        .string(PATH, AbbreviatedPath.stored(d.path())) // bounded: trees may be deeper than PATH_MAX
                        .number(GUEST_UID, d.ids().guestUid())
                        .number(GUEST_GID, d.ids().guestGid())
                        .number(HOST_UID, d.ids().hostUid())
                        .number(HOST_GID, d.ids().hostGid())
                        .string(DECISION, d.outcome().wire())
                        .strings(RULES, d.ruleIds())
                        .string(POLICY, d.policyDigest())
                        .number(ERRNO, d.errno())
                        .numberOrNull(BYTES, d.bytes(), d.bytes() >= 0)
                        .number(COUNT, d.count())
                        .string(DETAIL, d.detail());
            case AuditEvent.Lifecycle l ->
                json.string(TYPE, l.kind().wire())
                        .string(VM, l.vm())
                        .numberOrNull(SESSION, l.session(), l.session() != AuditEvent.NO_SESSION)
                        .string(OP, null)
                        .string(TAG, null)
                        .string(PATH, null)
                        .string(GUEST_UID, null)
                        .string(GUEST_GID, null)
                        .string(HOST_UID, null)
                        .string(HOST_GID, null)
                        .string(DECISION, null)
                        .strings(RULES, null)
                        .string(POLICY, l.policyDigest())
                        .string(ERRNO, null)
                        .string(BYTES, null)
                        .string(COUNT, null)
                        .string(DETAIL, l.detail());
        }
        return json.hex(PREV, prevChain);
    }
}
