package io.p9gate.gateway.wiring;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.codec.PeerCausedLog;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.session.ConnectionContext;
import java.util.List;

/**
 * Records a Tversion whose dialect the VM's policy does not list as a denial (R-PROTO-7, R-AUD-1): operation attach
 * (the VM was starting a session), message Tversion, rule {@code policy.dialects}, errno EPROTONOSUPPORT, the
 * dialect and the peer ({@code peer=} word) in the detail. Nothing is served either way, so a record that cannot be written is only logged.
 */
final class RefusedDialect {
    static final String RULE = "policy.dialects";
    private static final System.Logger LOG = System.getLogger(RefusedDialect.class.getName());
    /** A guest may send refused Tversions as fast as it likes: one line a minute per VM. */
    private static final PeerCausedLog UNRECORDED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private RefusedDialect() {}

    static void record(AuditTrail audit, String vm, ConnectionContext context) {
        Errno errno = Errno.EPROTONOSUPPORT;
        String detail = "dialect " + context.dialect().version() + " refused: " + DetailWords.peer(context.peer());
        try {
            audit.record(AuditEntry.refusedAttach(
                    vm, context.sessionId(), MessageType.TVERSION, detail, Decision.deny(errno, List.of(RULE)), errno));
        } catch (P9Exception | RuntimeException e) {
            UNRECORDED.log(
                    PeerCausedLog.key(vm, context.listener()),
                    () -> "audit: cannot record the refused " + detail + " of VM " + vm + ": " + e.getMessage());
        }
    }
}
