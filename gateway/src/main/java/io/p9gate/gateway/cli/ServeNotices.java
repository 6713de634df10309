package io.p9gate.gateway.cli;

import io.p9gate.gateway.auditing.DataOnLogFilesystem;
import io.p9gate.gateway.server.GatewayConfig;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/** What {@code serve} tells the operator at start besides its listeners: the audit log, and what it warns about. */
final class ServeNotices {
    private final CommandLine cli;
    private final AuditOption audit;

    ServeNotices(CommandLine cli, AuditOption audit) {
        this.cli = cli;
        this.audit = audit;
    }

    /**
     * A disk budget of --audit-max-bytes alone bounds the log's files, but nothing keeps a VM writing to a share on
     * the log's file system from filling it, and then every VM's requests fail (EIO): the log cannot record them.
     */
    void warnAboutSharesBesideTheLog(ServeMode served, DataOnLogFilesystem data) {
        if (audit.maxBytes == 0 || audit.minFree > 0) {
            return;
        }
        List<String> beside = served.shareDirs().entrySet().stream()
                .filter(e -> data.holds(e.getValue()))
                .map(e -> e.getKey() + " (" + e.getValue() + ")")
                .toList();
        if (!beside.isEmpty()) {
            warn(String.join(", ", beside) + " on the audit log's file system and no"
                    + " --audit-min-free: a VM writing there can fill it, and then every VM's requests fail (EIO);"
                    + " set --audit-min-free, or put the log on a file system of its own (docs/deploy.md)");
        }
    }

    void warn(String warning) {
        PrintWriter err = cli.getErr();
        err.println("p9gate: WARNING: " + warning);
        err.flush();
    }

    /** Limits that promise more than the process has (one line each); they are kept, the reserve still holds. */
    void warnAboutBudgets(GatewayConfig config) {
        PrintWriter err = cli.getErr();
        config.budgets().warnings().forEach(w -> err.println("p9gate: WARNING: " + w));
        err.flush();
    }

    void announceAudit() {
        if (audit.enabled()) {
            PrintWriter out = cli.getOut();
            out.println("p9gate: audit log " + audit.dir + " (signed by " + audit.key + ")");
            out.flush();
        } else {
            PrintWriter err = cli.getErr();
            err.println("p9gate: WARNING: no audit trail (--audit-dir); nothing the clients do is recorded");
            err.flush();
        }
    }
}
