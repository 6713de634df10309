package io.p9gate.policy.quota;

import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * All quota ledgers of one VM. A write at a path counts against every scope that contains it (the share
 * and any subtree quota above the path), so {@link #reserve} takes from all of them or from none.
 */
public final class QuotaBook {

    private final List<QuotaLedger> ledgers;

    public QuotaBook(List<QuotaLedger> ledgers) {
        this.ledgers = List.copyOf(ledgers);
    }

    /**
     * Opens ledgers for {@code specs}, scanning each scope's host directory for its current usage.
     *
     * @param shareDirOf the host directory of a share
     * @throws ScopeScanException naming the first scope whose top could not be scanned
     */
    public static QuotaBook open(List<QuotaSpec> specs, Function<String, Path> shareDirOf) throws ScopeScanException {
        List<QuotaLedger> out = new ArrayList<>();
        for (QuotaSpec s : specs) {
            try {
                long started = QuotaLedger.scanStartingNow();
                out.add(new QuotaLedger(s, UsageScanner.measure(shareDirOf.apply(s.share()), s.subtree()), started));
            } catch (IOException e) {
                throw new ScopeScanException(s, e);
            }
        }
        return new QuotaBook(out);
    }

    public List<QuotaLedger> ledgers() {
        return ledgers;
    }

    public List<QuotaLedger> covering(String share, SharePath path) {
        return ledgers.stream().filter(l -> l.spec().covers(share, path)).toList();
    }

    /**
     * The scopes that count the entry at {@code path}, as {@link UsageScanner} does: those containing it (a
     * directory not in the scope whose root it is), plus those the scan found counting {@code file} through
     * a name elsewhere.
     *
     * @param file the entry's identity, or null when names elsewhere cannot matter (a new entry)
     */
    public List<QuotaLedger> counting(String share, SharePath path, InodeId file, boolean directory) {
        Set<QuotaLedger> out = new LinkedHashSet<>();
        for (QuotaLedger l : ledgers) {
            boolean contains = l.spec().covers(share, path)
                    && !(directory && l.spec().subtree().equals(path));
            if (contains || (file != null && l.countsLinkedOutside(file))) out.add(l);
        }
        return List.copyOf(out);
    }

    /** Whether a scope of {@code share} has its root at {@code path} or below it. */
    public boolean holdsScopeRoot(String share, SharePath path) {
        return ledgers.stream()
                .anyMatch(l ->
                        l.spec().share().equals(share) && l.spec().subtree().isWithin(path));
    }

    /** {@code file} has no name left in any scope that followed it by identity. */
    public void forget(InodeId file) {
        ledgers.forEach(l -> l.forget(file));
    }

    /** A hard link gave {@code file} a new name at {@code path}. */
    public void linkMade(String share, SharePath path, InodeId file) {
        covering(share, path).forEach(l -> l.linkMade(file));
    }

    /**
     * The name at {@code path} of {@code file} (born at {@code born}, epoch ns, using {@code usage}) went; the file
     * keeps other names.
     */
    public void linkGone(String share, SharePath path, InodeId file, long born, Usage usage) {
        covering(share, path).forEach(l -> l.linkGone(file, born, usage));
    }

    /** Reserves {@code ask} in every covering scope, in a fixed order, rolling back on the first refusal. */
    public Reservations reserve(String share, SharePath path, Usage ask) throws QuotaExceededException {
        return reserve(covering(share, path), ask);
    }

    /** Reserves {@code ask} in every one of {@code scopes} or, rolling back on the first refusal, in none. */
    public static Reservations reserve(List<QuotaLedger> scopes, Usage ask) throws QuotaExceededException {
        List<Reservation> taken = new ArrayList<>();
        try {
            for (QuotaLedger l : scopes) taken.add(l.reserve(ask));
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
    public Reservations reserveMove(String share, SharePath from, SharePath to, Usage amount)
            throws QuotaExceededException {
        return reserveMove(covering(share, from), covering(share, to), amount);
    }

    /** As {@link #reserveMove(String, SharePath, SharePath, Usage)}, between the scopes counting each end. */
    public static Reservations reserveMove(List<QuotaLedger> source, List<QuotaLedger> target, Usage amount)
            throws QuotaExceededException {
        Reservations taken =
                reserve(target.stream().filter(l -> !source.contains(l)).toList(), amount);
        List<QuotaLedger> leaving =
                source.stream().filter(l -> !target.contains(l)).toList();
        return new Reservations(taken.parts(), () -> leaving.forEach(l -> l.free(amount)));
    }

    /**
     * As {@link #reserveMove(List, List, Usage)} for a regular {@code file}: the scopes it leaves give back what they
     * counted of it ({@link QuotaLedger#gone}), those it enters count it whole.
     */
    public static Reservations reserveMove(
            List<QuotaLedger> source, List<QuotaLedger> target, InodeId file, long born, Usage amount)
            throws QuotaExceededException {
        List<QuotaLedger> arriving =
                target.stream().filter(l -> !source.contains(l)).toList();
        Reservations taken = reserve(arriving, amount);
        List<QuotaLedger> leaving =
                source.stream().filter(l -> !target.contains(l)).toList();
        return new Reservations(taken.parts(), () -> {
            leaving.forEach(l -> l.gone(file, born, amount));
            arriving.forEach(l -> l.counts(file, amount.bytes()));
        });
    }

    /** The reservations one write holds across scopes; settled together. */
    public record Reservations(List<Reservation> parts, Runnable onCommit) implements AutoCloseable {
        Reservations(List<Reservation> parts) {
            this(parts, () -> {});
        }

        public void commit(Usage actual) {
            parts.forEach(r -> r.commit(actual));
            onCommit.run();
        }

        public void release() {
            parts.forEach(Reservation::release);
        }

        @Override
        public void close() {
            release();
        }
    }
}
