package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.Quotas;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.quota.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every VM's quota book (R-POL-6), built from the policy by scanning each scope's directory, so usage
 * is right after a restart. A reload builds new books (scanning again) and swaps them in, each still
 * counting the VM's unlinked files that are held open (no scan can see them); requests already holding
 * a reservation settle it against the book they took it from.
 */
public final class PolicyQuotas {
    private final Map<String, VmQuotas> vms = new ConcurrentHashMap<>();

    /** @throws UncheckedIOException if a scope's directory cannot be scanned */
    public PolicyQuotas(PolicyEngine engine) {
        rebuild(engine);
    }

    /** Scans the scopes of {@code engine}'s quotas and makes them current; changes nothing if a scan fails. */
    public void rebuild(PolicyEngine engine) {
        try {
            prepare(engine).run();
        } catch (PolicyLoadException e) {
            throw new UncheckedIOException(e.reason(), new IOException(e.reason()));
        }
    }

    /**
     * For a reload: scans the scopes of {@code engine}'s quotas while the old policy still serves, and returns what
     * makes the new books current, for the reload to run with its swap. A scope that cannot be scanned refuses the
     * reload: the new policy would otherwise serve with the old policy's books, its own limits unenforced.
     *
     * @throws PolicyLoadException at the VM whose quota usage cannot be measured, saying why
     */
    public Runnable prepare(PolicyEngine engine) throws PolicyLoadException {
        Map<String, QuotaBook> fresh = new HashMap<>();
        for (String vm : engine.listeners().keySet()) {
            List<QuotaSpec> specs = engine.quotas(vm);
            if (specs.isEmpty()) {
                continue;
            }
            try {
                fresh.put(
                        vm,
                        QuotaBook.open(
                                specs, share -> engine.shareDir(vm, share).orElseThrow()));
            } catch (IOException e) {
                throw new PolicyLoadException(
                        engine.policy().vms().get(vm).pos(),
                        "VM '" + vm + "': cannot measure quota usage: " + e.getMessage());
            }
        }
        return () -> install(engine, fresh);
    }

    private void install(PolicyEngine engine, Map<String, QuotaBook> fresh) {
        Set<String> every = new HashSet<>(vms.keySet());
        every.addAll(engine.listeners().keySet());
        every.forEach(vm -> vm(vm).replace(fresh.get(vm)));
    }

    /** Each quota of {@code vm} (by id) and its usage now, reservations in flight included: for metrics. */
    public Map<String, Usage> usage(String vm) {
        return vm(vm).usage();
    }

    /** A quota and its usage at one moment. */
    public record QuotaUse(QuotaSpec spec, Usage used) {}

    /** Every VM's quotas with their limits and usage now, reservations in flight included: for metrics. */
    public List<QuotaUse> use() {
        return vms.values().stream().flatMap(q -> q.use().stream()).toList();
    }

    /** The quotas of one VM, following reloads; the same object for every session of the VM. */
    public Quotas of(String vm) {
        return vm(vm);
    }

    private VmQuotas vm(String vm) {
        return vms.computeIfAbsent(vm, v -> new VmQuotas());
    }
}
