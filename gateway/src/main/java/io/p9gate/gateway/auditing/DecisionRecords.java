package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.BoundedWord;
import io.p9gate.audit.DetailWords;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.StoredPaths;
import io.p9gate.audit.read.AbbreviatedPath;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.HostIds;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.MessageType;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** How one {@link AuditEntry} is written as a {@code decision} record (field by field: docs/audit-format.md). */
final class DecisionRecords {
    /** What the {@code policy} field says when no policy decided (development: serve without --policy). */
    static final String NO_POLICY = "none";

    private DecisionRecords() {}

    static AuditEvent.Decision of(AuditEntry entry) {
        AccessRequest request = entry.request();
        Decision decision = entry.decision();
        HostIds host =
                decision.hostIds() != null ? decision.hostIds() : new HostIds(request.uid(), request.gid(), true);
        return new AuditEvent.Decision(
                request.vm(),
                request.sessionId(),
                opName(entry),
                entry.tag(),
                target(request),
                // Ids are u32 carried in ints: the overflow id (u32)-2 is 4294967294, not -2.
                new IdMapping(
                        Integer.toUnsignedLong(request.uid()),
                        Integer.toUnsignedLong(request.gid()),
                        Integer.toUnsignedLong(host.uid()),
                        Integer.toUnsignedLong(host.gid())),
                decision.allowed() ? Outcome.ALLOW : Outcome.DENY,
                decision.ruleIds(),
                decision.policyDigest() != null ? decision.policyDigest() : NO_POLICY,
                entry.outcome().errno() == null ? 0 : entry.outcome().errno().code(),
                movesData(request.operation()) ? entry.outcome().bytes() : AuditEvent.NO_BYTES,
                detail(entry),
                1);
    }

    /** Each message's record name, made once rather than per record. */
    private static final Map<MessageType, String> OP_NAMES = new EnumMap<>(MessageType.class);

    static {
        for (MessageType type : MessageType.values()) {
            OP_NAMES.put(type, type.name().substring(1).toLowerCase(Locale.ROOT));
        }
    }

    /** The 9P request as the guest sent it ({@code lcreate}, {@code unlinkat}, ...). */
    private static String opName(AuditEntry entry) {
        MessageType type = entry.message();
        return type != null ? OP_NAMES.get(type) : entry.request().operation().action();
    }

    /** The path acted on: the end of a walk, the source of a rename or link (its destination goes to detail). */
    private static String target(AccessRequest request) {
        List<String> paths = request.paths();
        if (paths.isEmpty()) {
            return "";
        }
        return request.operation() == Operation.WALK ? paths.getLast() : paths.getFirst();
    }

    /** The operations whose record carries a byte count: what they read or wrote (file data, xattr values). */
    private static final Set<Operation> MOVES_DATA =
            EnumSet.of(Operation.READ, Operation.WRITE, Operation.XATTR_GET, Operation.XATTR_LIST);

    private static boolean movesData(Operation op) {
        return MOVES_DATA.contains(op);
    }

    /**
     * {@code action=<what the policy was asked>}, {@code share=<attach name>} (paths are relative to it), then
     * the destination of a rename or link, the request's own
     * detail (flags, names walked, xattr name, ...), and when the record was written relative to the backend
     * call.
     */
    private static String detail(AuditEntry entry) {
        AccessRequest request = entry.request();
        // One builder, no joined intermediate strings: this runs for every record.
        StringBuilder out = new StringBuilder(96)
                .append("action=")
                .append(request.operation().action())
                .append(" share=")
                // a refused attach names what the guest sent: bounded after it is a word, so no aname reads as cut
                .append(BoundedWord.of(request.share()));
        if (request.operation() != Operation.WALK && request.paths().size() > 1) {
            // Abbreviated past 4,095 bytes, as the path field is: a guest chooses how deep its tree goes.
            out.append(" to=")
                    .append(DetailWords.word(AbbreviatedPath.stored(
                            StoredPaths.normalise(request.paths().get(1)))));
        }
        if (!request.detail().isEmpty()) {
            out.append(' ').append(request.detail());
        }
        switch (entry.phase()) {
            case DONE -> {}
            case INTENT -> out.append(" phase=intent");
            case OUTCOME -> out.append(" phase=outcome intent=").append(entry.intentSeq());
        }
        return out.toString();
    }
}
