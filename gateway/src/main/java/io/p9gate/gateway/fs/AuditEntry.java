package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import java.util.List;

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
        long intentSeq) {

    /**
     * Whether the request must wait until this record is on disk, not only in the kernel (issue 8 item 8, issue
     * 11). The intent of a change must be: a power cut must not keep a change and lose its record. So must the
     * record of an open for writing: every Twrite acts through such an open (or through the Tlcreate or
     * O_TRUNC open whose intent is on disk), and that record, naming the VM, the file and the write access, is
     * what covers the writes; a Twrite's own intent then only has to reach the kernel before the write (a crash
     * of the process keeps it, a power cut may lose it but never the open that allowed it). Without this, every
     * Twrite waited for a disk flush. But a write the guest is told is on disk has its record on disk too
     * (R-ROB-3): a write through an O_DSYNC/O_SYNC open waits for its own intent, and a Tfsync (through any fid:
     * fsync(2) of a read-only descriptor flushes the file's writes made through others) waits for its record,
     * and with it, one log and one fsync covering all before, for every write record before it.
     */
    public boolean mustBeOnDisk() {
        return switch (phase) {
            case INTENT ->
                request.operation() != Operation.WRITE
                        || request.args() instanceof RequestArgs.FileIo io && io.syncsData();
            case DONE ->
                outcome.errno() == null
                        && (request.operation() == Operation.FSYNC
                                || request.operation() == Operation.OPEN
                                        && request.args() instanceof RequestArgs.Open(int hostFlags)
                                        && OpenFlags.writes(hostFlags));
            case OUTCOME -> false;
        };
    }

    /** Sessions are numbered from 1: a record outside any session carries 0. */
    private static final long NO_SESSION = 0;

    /**
     * A connection refused before any session began, recorded as a denied attach of the VM it came for: no share,
     * no path, no guest ids, the refusal's errno.
     */
    public static AuditEntry refusedConnection(String vm, String detail, Decision decision, Errno errno) {
        return refusedAttach(vm, NO_SESSION, null, detail, decision, errno);
    }

    /**
     * A session refused while it was being set up (e.g. at Tversion), recorded as a denied attach: no share, no
     * path, no guest ids, the refusal's errno.
     */
    public static AuditEntry refusedAttach(
            String vm, long sessionId, MessageType message, String detail, Decision decision, Errno errno) {
        AccessRequest request = new AccessRequest(
                vm,
                sessionId,
                Operation.ATTACH,
                "",
                List.of(),
                Subject.NOBODY,
                Subject.NOBODY,
                RequestArgs.NONE,
                detail);
        return new AuditEntry(
                RequestScope.NO_TAG,
                message,
                request,
                decision,
                Outcome.failure(errno),
                RecordPhase.DONE,
                AuditTrail.NO_SEQ);
    }
}
