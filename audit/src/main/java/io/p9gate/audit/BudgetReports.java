package io.p9gate.audit;

/**
 * What the log says about its disk budget ({@link DiskBudget}): the refusal of a record the budget does not admit,
 * and, when the budget changed state since the last report, a line in the process's log (ERROR once changes are
 * refused) and the detail of a {@code log_budget} record, so that a reviewer sees when and why changes were refused.
 * Used under the log's lock.
 */
final class BudgetReports {
    /** The log's: the budget's lines keep the logger name operators filter on. */
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());

    /** Writes a {@code log_budget} record with this detail (the log's own record: never refused by the budget). */
    @FunctionalInterface
    interface Recorder {
        void record(String detail) throws AuditWriteException;
    }

    private final DiskBudget budget;
    /** The budget state last reported (logged and recorded). */
    private DiskBudget.State reported = DiskBudget.State.OK;

    BudgetReports(DiskBudget budget) {
        this.budget = budget;
    }

    /**
     * The refusal of VM {@code vm}'s record by {@code verdict} (not {@link DiskBudget.Verdict#ADMITTED}), for a
     * change of {@code data} bytes and {@code inodes} inodes on the log's file system: EIO, ENOSPC when the data is
     * what does not fit.
     */
    AuditWriteException refusal(DiskBudget.Verdict verdict, String vm, long data, long inodes) {
        if (verdict == DiskBudget.Verdict.NO_ROOM_FOR_DATA) {
            return new AuditWriteException(
                    "audit log disk budget: refusing " + data + " bytes and " + inodes + " inodes of VM " + vm
                            + "'s change on the log's file system: the last 20 % of its free space and its last "
                            + DiskBudget.MIN_FREE_INODES + " free inodes are kept for the log ("
                            + budget.describe() + ")",
                    null,
                    AuditWriteException.ENOSPC);
        }
        return new AuditWriteException(
                "audit log disk budget: refusing "
                        + switch (verdict) {
                            case CHANGES_REFUSED -> "changes (" + budget.describe() + ")";
                            case FULL -> "everything it would record (" + budget.describe() + ")";
                            case VM_SHARE_USED ->
                                "what " + DiskBudget.whose(vm) + " would record: its share of the last 20 % is"
                                        + " used (" + budget.describeShare(vm) + " " + budget.describe() + ")";
                            case ADMITTED, NO_ROOM_FOR_DATA -> throw new IllegalStateException();
                        },
                null);
    }

    /**
     * Reports each VM that has used its share of the last 20 % since the last call, then the budget's state if it
     * changed: logged, and recorded through {@code logBudget}.
     */
    void report(Recorder logBudget) throws AuditWriteException {
        for (var vm = budget.nextVmRefused(); vm.isPresent(); vm = budget.nextVmRefused()) {
            String detail = budget.describe() + " " + budget.describeShare(vm.get()) + " refused";
            SafeLog.report(
                    LOG,
                    System.Logger.Level.ERROR,
                    "audit log disk budget: " + DiskBudget.whose(vm.get()) + " used its share of the last 20 %, its "
                            + "requests are refused (EIO) until there is room (" + detail + ")");
            logBudget.record(detail);
        }
        DiskBudget.State now = budget.state();
        if (now == reported) {
            return;
        }
        reported = now;
        String detail = budget.describe();
        SafeLog.report(
                LOG,
                now.compareTo(DiskBudget.State.CHANGES_REFUSED) >= 0
                        ? System.Logger.Level.ERROR
                        : System.Logger.Level.WARNING,
                "audit log disk budget: "
                        + switch (now) {
                            case OK -> "enough room again";
                            case LOW -> "less than 20 % left";
                            case CHANGES_REFUSED -> "less than 5 % left, changes are refused (EIO) until there is room";
                            case FULL -> "exhausted, requests are refused (EIO) once their record no longer fits";
                        }
                        + " (" + detail + ")");
        logBudget.record(detail);
    }
}
