package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.DefaultLimits;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.model.Limit;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.VmLimits;
import io.p9gate.policy.model.VmPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every VM's budgets from the policy's {@code limits:} (R-ROB-2); a limit it leaves out is derived from what
 * the process has ({@link DefaultLimits}), shared among the policy's VMs. A reload changes the limits of the
 * VMs already served (a new VM needs a restart, as its listener does).
 */
public final class PolicyBudgets {
    private PolicyBudgets() {}

    /**
     * @param extraListeners listeners the policy cannot name (the demo's TCP port), by {@code ListenSpec.describe()},
     *                       to the VM they serve
     * @param msize          the largest frame a connection may carry
     */
    public static Budgets of(PolicyEngine engine, Map<String, String> extraListeners, int msize) {
        return of(engine, extraListeners, msize, HostResources.current());
    }

    /** As {@link #of(PolicyEngine, Map, int)}, for a process with {@code host}'s descriptors and memory. */
    public static Budgets of(PolicyEngine engine, Map<String, String> extraListeners, int msize, HostResources host) {
        Map<String, VmPolicy> vms = engine.policy().vms();
        int tlsListeners = tlsListeners(vms);
        Budgets budgets = new Budgets(host, msize, tlsListeners);
        Limits derived = DefaultLimits.derive(budgets.host(), vms.size(), tlsListeners, msize);
        for (VmPolicy vm : vms.values()) {
            List<String> listeners = new ArrayList<>();
            // The listeners only this VM uses; on a shared one (tls:, vsock:) the transport names the VM.
            switch (vm.listen()) {
                case ListenerSpec.UnixSocket unix -> listeners.add(new ListenSpec.Unix(unix.path()).describe());
                case ListenerSpec.Tcp tcp ->
                    listeners.add(new ListenSpec.Tcp(tcp.host(), tcp.port(), tcp.device()).describe());
                case ListenerSpec.Tls tls -> {}
                case ListenerSpec.Vsock vsock -> {}
            }
            extraListeners.forEach((listener, owner) -> {
                if (owner.equals(vm.id())) {
                    listeners.add(listener);
                }
            });
            budgets.add(vm.id(), limits(vm.limits(), derived), listeners);
        }
        return budgets;
    }

    /** After a reload: the new limits of every VM still in the policy, set together (Budgets#update). */
    public static void update(Budgets budgets, PolicyEngine engine, int msize) {
        Map<String, VmPolicy> vms = engine.policy().vms();
        Limits derived = DefaultLimits.derive(budgets.host(), budgets.vms().size(), tlsListeners(vms), msize);
        Map<VmBudget, Limits> next = new LinkedHashMap<>();
        for (VmBudget budget : budgets.vms()) {
            VmPolicy vm = vms.get(budget.vm());
            if (vm != null) {
                next.put(budget, limits(vm.limits(), derived));
            }
        }
        budgets.update(next);
    }

    /** The policy's {@code tls:} listeners, each counted once however many VMs share it. */
    private static int tlsListeners(Map<String, VmPolicy> vms) {
        return (int) vms.values().stream()
                .map(VmPolicy::listen)
                .filter(ListenerSpec.Tls.class::isInstance)
                .map(ListenerSpec::bindKey)
                .distinct()
                .count();
    }

    /** The policy's limits where it gives them, {@code derived} elsewhere. */
    static Limits limits(VmLimits given, Limits derived) {
        return new Limits(
                given.get(Limit.CONNECTIONS).orElse(derived.connections()),
                given.get(Limit.OUTSTANDING).orElse(derived.outstanding()),
                given.get(Limit.FIDS).orElse(derived.fids()),
                given.get(Limit.DESCRIPTORS).orElse(derived.descriptors()),
                given.get(Limit.XATTR_BYTES).orElse(derived.xattrBytes()),
                given.get(Limit.LOCKS).orElse(derived.locks()),
                given.get(Limit.REPLY_BYTES).orElse(derived.replyBytes()),
                (int) given.get(Limit.WEIGHT).orElse(derived.weight()));
    }
}
