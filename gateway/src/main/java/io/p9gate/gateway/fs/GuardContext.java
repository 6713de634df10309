package io.p9gate.gateway.fs;

/**
 * One session's guard, shared by every group of its requests ({@link GuardedRequests}): one choke point, so one
 * record sequence and one policy for all of them, and one quota account.
 *
 * @param ownership how this VM's ids and modes are kept on the host (R-POL-5)
 * @param quota     this VM's quota scopes (R-POL-6)
 * @param safety    each share's device nodes and host permission checks
 * @param hidden    the names the VM's policy hides (R-POL-4)
 */
record GuardContext(
        String vm,
        ChokePoint guard,
        Ownership ownership,
        QuotaAccounting quota,
        ShareSafety safety,
        HiddenEntries hidden) {

    static GuardContext of(
            String vm,
            long sessionId,
            AccessPolicy policy,
            AuditTrail audit,
            Ownership ownership,
            Quotas quotas,
            ShareSafety safety) {
        return new GuardContext(
                vm,
                new ChokePoint(vm, sessionId, policy, audit, safety),
                ownership,
                new QuotaAccounting(quotas),
                safety,
                new HiddenEntries(vm, policy));
    }
}
