package io.p9gate.gateway.cli;

import io.p9gate.audit.AuditWriteException;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import java.io.PrintWriter;

/** What {@code serve} closes after a start that failed, and at its stop: reported, never thrown. */
final class ServeClosing {
    private ServeClosing() {}

    /**
     * A start that failed: the gateway is closed if it started (it closes the share handles it was given), else the
     * share handles alone. Before, a gateway started but not announced (its pid file unwritable) went on serving with
     * its shares closed. {@code started} is null if the gateway did not start.
     */
    static void gatewayOrHandlers(Gateway started, GatewayConfig config) {
        if (started != null) {
            started.close();
            return;
        }
        try {
            config.handlers().close();
        } catch (RuntimeException e) {
            System.getLogger(ServeCommand.class.getName())
                    .log(System.Logger.Level.WARNING, "closing the shares: " + e.getMessage());
        }
    }

    /** Records the shutdown and signs the final checkpoint (R-DEP-2); a failure is reported, not thrown. */
    static void audit(AuditTrail trail, PrintWriter err) {
        if (trail instanceof SignedAuditTrail signed) {
            try {
                signed.close();
            } catch (AuditWriteException e) {
                err.println("p9gate: audit log: final checkpoint failed: " + e.getMessage());
                err.flush();
            }
        }
    }
}
