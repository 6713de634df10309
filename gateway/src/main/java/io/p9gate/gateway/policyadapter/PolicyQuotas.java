package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.Quotas;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every VM's quota book (R-POL-6), built from the policy by scanning each scope's directory, so usage
 * is right after a restart. A reload builds new books (scanning again) and swaps them in; requests
 * already holding a reservation settle it against the book they took it from.
 */
public final class PolicyQuotas {
    private final AtomicReference<Map<String, QuotaBook>> books = new AtomicReference<>(Map.of());

    /** @throws UncheckedIOException if a scope's directory cannot be scanned */
    public PolicyQuotas(PolicyEngine engine) {
        rebuild(engine);
    }

    /** Scans the scopes of {@code engine}'s quotas and makes them current. */
    public void rebuild(PolicyEngine engine) {
        Map<String, QuotaBook> fresh = new HashMap<>();
        for (String vm : engine.listeners().keySet()) {
            List<QuotaSpec> specs = engine.quotas(vm);
            if (specs.isEmpty()) {
                continue;
            }
            try {
                fresh.put(vm, QuotaBook.open(specs, share -> engine.shareDir(vm, share).orElseThrow()));
            } catch (IOException e) {
                throw new UncheckedIOException("VM '" + vm + "': cannot measure quota usage: " + e.getMessage(), e);
            }
        }
        books.set(Map.copyOf(fresh));
    }

    /** The quotas of one VM, following reloads. */
    public Quotas of(String vm) {
        return new VmQuotas(() -> books.get().get(vm));
    }
}
