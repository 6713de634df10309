package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.MessageType;

/**
 * One decision record as {@link GuardedFs} hands it to the {@link AuditTrail}.
 *
 * @param tag       the 9P tag of the request ({@link RequestScope#NO_TAG} outside a session)
 * @param message   the 9P request type served (null outside a session)
 * @param request   what was asked
 * @param decision  what the policy answered
 * @param outcome   how it ended; for {@link RecordPhase#INTENT} what is expected (success, the bytes announced)
 * @param phase     when the record is written relative to the backend call
 * @param intentSeq for {@link RecordPhase#OUTCOME}, the sequence number of the intent it completes, else
 *                  {@link AuditTrail#NO_SEQ}
 */
public record AuditEntry(
        int tag,
        MessageType message,
        AccessRequest request,
        Decision decision,
        Outcome outcome,
        RecordPhase phase,
        long intentSeq) {}
