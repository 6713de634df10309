package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.read.PrintableText;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.IoReason;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaLedger;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.quota.ScopeScanException;
import io.p9gate.policy.quota.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Every VM's quota book (R-POL-6), built from the policy by scanning each scope's directory, so usage
 * is right after a restart. A reload builds new books (scanning again) and swaps them in, each still
 * counting the VM's unlinked files that are held open (no scan can see them); requests already holding
 * a reservation settle it against the book they took it from.
 */
public final class PolicyQuotas {
    private static final System.Logger LOG = System.getLogger(PolicyQuotas.class.getName());
    /** The characters of a host path a warning shows: a guest's tree below a scope can make one 32 KiB long. */
    static final int PATH_SHOWN = 256;

    private final Map<String, VmQuotas> vms = new ConcurrentHashMap<>();

    /** Test seam: see {@link #whileScanning(Runnable)}. */
    private static volatile Runnable whileScanning;

    /**
     * Test seam (adversarial.QuotaScanStallAttackTest): {@code hook} runs in each scan of a VM's scopes, that VM's
     * requests changing what it counts held back, before the scan; null removes it.
     */
    public static void whileScanning(Runnable hook) {
        whileScanning = hook;
    }

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
     * makes the new books current, for the reload to run with its swap. A scope whose top cannot be scanned refuses the
     * reload: the new policy would otherwise serve with the old policy's books, its own limits unenforced. A scope with
     * a directory below its top the scan cannot see into (the guest's to make) counts as full, and installing it logs
     * one warning saying where and what to do: a guest must not be able to stop the start or the operator's reloads.
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
                Function<String, Path> shareDir =
                        share -> engine.shareDir(vm, share).orElseThrow();
                fresh.put(vm, vm(vm).whileScanning(vm, () -> {
                    Runnable hook = whileScanning;
                    if (hook != null) {
                        hook.run();
                    }
                    return QuotaBook.open(specs, shareDir);
                }));
            } catch (ScopeScanException e) {
                throw new PolicyLoadException(
                        engine.policy().vms().get(vm).pos(),
                        "VM '" + vm + "': cannot measure quota usage: " + unscannable(e));
            }
        }
        return () -> install(engine, fresh);
    }

    /**
     * The scope, the name that failed and why, in words (the JDK's message for EACCES is the bare name), on one
     * escaped line.
     */
    private static String unscannable(ScopeScanException e) {
        QuotaSpec scope = e.scope();
        IOException cause = e.getCause();
        String why = IoReason.of(cause);
        if (cause instanceof FileSystemException f && f.getFile() != null && !why.contains(f.getFile())) {
            why = f.getFile() + ": " + why;
        }
        return PrintableText.escape(
                "quota " + scope.id() + " (share " + scope.share() + ", " + scope.subtree() + "): " + why);
    }

    private void install(PolicyEngine engine, Map<String, QuotaBook> fresh) {
        Set<String> every = new HashSet<>(vms.keySet());
        every.addAll(engine.listeners().keySet());
        every.forEach(vm -> vm(vm).replace(vm, fresh.get(vm)));
        fresh.values().forEach(book -> book.ledgers().forEach(PolicyQuotas::warnIfFull));
    }

    private static void warnIfFull(QuotaLedger ledger) {
        ledger.scanGap().ifPresent(gap -> LOG.log(System.Logger.Level.WARNING, () -> fullScopeWarning(ledger)));
    }

    /** One line, escaped: the path below the scope is named by the guest. */
    static String fullScopeWarning(QuotaLedger ledger) {
        var spec = ledger.spec();
        var gap = ledger.scanGap().orElseThrow();
        String where = gap.where().toString();
        if (where.length() > PATH_SHOWN) {
            where = where.substring(0, PATH_SHOWN) + "... (" + (where.length() - PATH_SHOWN) + " more characters)";
        }
        return PrintableText.escape("VM '" + spec.vm() + "': quota " + spec.id() + " (share " + spec.share() + ", "
                + spec.subtree()
                + ") counts as full, every write there that grows what it limits refused (EDQUOT), until a scan"
                + " sees all of it: cannot see into " + where + ": "
                + gap.cause().reason() + "; "
                + gap.cause().remedy() + ", then p9gate policy reload (docs/policy.md, \"Quotas in the gateway\")");
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
