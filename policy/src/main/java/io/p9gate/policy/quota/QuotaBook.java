package io.p9gate.policy.quota;

import io.p9gate.policy.SharePath;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * All quota ledgers of one VM. A write at a path counts against every scope that contains it (the share
 * and any subtree quota above the path), so {@link #reserve} takes from all of them or from none.
 */
public final class QuotaBook {

    private final List<QuotaLedger> ledgers;

    public QuotaBook(List<QuotaLedger> ledgers) { this.ledgers = List.copyOf(ledgers); }

    /**
     * Opens ledgers for {@code specs}, scanning each scope's host directory for its current usage.
     *
     * @param hostDirOf the host directory of (share, subtree)
     */
    public static QuotaBook open(List<QuotaSpec> specs, BiFunction<String, SharePath, Path> hostDirOf) throws IOException {
        List<QuotaLedger> out = new ArrayList<>();
        for (QuotaSpec s : specs) out.add(new QuotaLedger(s, UsageScanner.scan(hostDirOf.apply(s.share(), s.subtree()))));
        return new QuotaBook(out);
    }

    public List<QuotaLedger> ledgers() { return ledgers; }

    public List<QuotaLedger> covering(String share, SharePath path) {
        return ledgers.stream().filter(l -> l.spec().covers(share, path)).toList();
    }

    /** Reserves {@code ask} in every covering scope, in a fixed order, rolling back on the first refusal. */
    public Reservations reserve(String share, SharePath path, Usage ask) throws QuotaExceededException {
        List<Reservation> taken = new ArrayList<>();
        try {
            for (QuotaLedger l : covering(share, path)) taken.add(l.reserve(ask));
        } catch (QuotaExceededException e) {
            taken.forEach(Reservation::release);
            throw e;
        }
        return new Reservations(taken);
    }

    /** Gives back usage in every covering scope (after unlink, truncate, rename out). */
    public void free(String share, SharePath path, Usage amount) {
        covering(share, path).forEach(l -> l.free(amount));
    }

    /**
     * Accounts a rename of something using {@code amount} from {@code from} to {@code to}: scopes that
     * contain the destination but not the source must take it (and may refuse with EDQUOT), scopes that
     * contain the source but not the destination give it back. Scopes containing both are unchanged.
     * Commit the result after the rename succeeded (frees the source side), release it if it failed.
     */
    public Reservations reserveMove(String share, SharePath from, SharePath to, Usage amount) throws QuotaExceededException {
        List<QuotaLedger> source = covering(share, from);
        List<Reservation> taken = new ArrayList<>();
        try {
            for (QuotaLedger l : covering(share, to)) {
                if (!source.contains(l)) taken.add(l.reserve(amount));
            }
        } catch (QuotaExceededException e) {
            taken.forEach(Reservation::release);
            throw e;
        }
        List<QuotaLedger> target = covering(share, to);
        List<QuotaLedger> leaving = source.stream().filter(l -> !target.contains(l)).toList();
        return new Reservations(taken, () -> leaving.forEach(l -> l.free(amount)));
    }

    /** The reservations one write holds across scopes; settled together. */
    public record Reservations(List<Reservation> parts, Runnable onCommit) implements AutoCloseable {
        Reservations(List<Reservation> parts) { this(parts, () -> { }); }

        public void commit(Usage actual) {
            parts.forEach(r -> r.commit(actual));
            onCommit.run();
        }

        public void release() { parts.forEach(Reservation::release); }

        @Override public void close() { release(); }
    }
}
