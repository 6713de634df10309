package io.p9gate.policy;

import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * The current policy, swapped atomically on reload (R-POL-7). A request sees one whole engine, old or
 * new, never a mix. A new file that does not load leaves the old engine in place; the caller learns why.
 */
public final class PolicyHolder {

    private static final Logger LOG = Logger.getLogger(PolicyHolder.class.getName());

    private final Path file;
    private final PolicyCheck check;
    private final AtomicReference<PolicyEngine> current;

    private PolicyHolder(Path file, PolicyCheck check, PolicyEngine first) {
        this.file = file;
        this.check = check;
        this.current = new AtomicReference<>(first);
    }

    /** Loads the first policy; at start-up a broken file is fatal (default deny means nothing to serve). */
    public static PolicyHolder load(Path file) throws PolicyLoadException {
        return load(file, PolicyCheck.NONE);
    }

    /** As {@link #load(Path)}; {@code check} must also pass, now and for every reload to be taken. */
    public static PolicyHolder load(Path file, PolicyCheck check) throws PolicyLoadException {
        return new PolicyHolder(file, check, checked(file, check));
    }

    private static PolicyEngine checked(Path file, PolicyCheck check) throws PolicyLoadException {
        PolicyEngine engine = PolicyEngine.load(file);
        check.check(engine.policy());
        return engine;
    }

    public PolicyEngine current() {
        return current.get();
    }

    /**
     * Re-reads the file. On success the new engine replaces the old one; on failure the old one stays.
     * Reloads are serialised so the digests reported are those actually swapped.
     */
    public ReloadResult reload() {
        return reload(fresh -> () -> {});
    }

    /**
     * What must be ready before a new engine may serve (the quota usage it counts against, say): made from the new
     * engine while the old one still serves, then put in place together with the swap.
     */
    @FunctionalInterface
    public interface Preparation {
        /**
         * @return what puts the prepared state in place, run right after the swap
         * @throws PolicyLoadException when the engine cannot serve: the reload is refused, the old engine stays
         */
        Runnable prepare(PolicyEngine fresh) throws PolicyLoadException;
    }

    /**
     * As {@link #reload()}, but the new engine is taken only if {@code preparation} succeeds for it; what it made
     * is put in place right after the swap. A reload that fails at any step keeps the old engine whole: one whose
     * install fails swaps the old engine back and is reported kept, with why.
     */
    public synchronized ReloadResult reload(Preparation preparation) {
        PolicyEngine old = current.get();
        try {
            PolicyEngine fresh = checked(file, check);
            Runnable install = preparation.prepare(fresh);
            current.set(fresh);
            try {
                install.run();
            } catch (RuntimeException e) {
                String why = "cannot put the new policy in place: " + e;
                restore(old, preparation, why);
                return new ReloadResult.Kept(old.digest(), why);
            }
            LOG.info(() -> "policy reloaded from " + file + " (sha256 " + fresh.digest() + ")");
            return new ReloadResult.Loaded(old.digest(), fresh.digest());
        } catch (PolicyLoadException e) {
            LOG.warning(() -> "policy reload refused, keeping sha256 " + old.digest() + ": " + e.getMessage());
            return new ReloadResult.Kept(old.digest(), e.getMessage());
        } catch (RuntimeException e) {
            String why = "unexpected error: " + e;
            LOG.warning(() -> "policy reload refused, keeping sha256 " + old.digest() + ": " + why);
            return new ReloadResult.Kept(old.digest(), why);
        }
    }

    /**
     * Puts {@code old} back after the new engine's install failed part way: what is reported ("kept") must be what is
     * in force. It decides again at once: making its state again (a rescan of every quota scope, seconds on a large
     * share) while the refused engine still decided let that engine allow what the kept policy refuses, recorded
     * under a digest the reload's record says was refused. Until the state is in place again the old engine counts
     * against what the failed install left; if it cannot be made again, it goes on so.
     */
    private void restore(PolicyEngine old, Preparation preparation, String why) {
        current.set(old);
        LOG.warning(() -> "policy reload refused, keeping sha256 " + old.digest() + ": " + why);
        Runnable reinstall = () -> {};
        try {
            reinstall = preparation.prepare(old);
        } catch (PolicyLoadException | RuntimeException e) {
            LOG.severe(() -> "cannot make the kept policy's state again, it serves with what is left: " + e);
        }
        try {
            reinstall.run();
        } catch (RuntimeException e) {
            LOG.severe(() -> "cannot put the kept policy's state in place again: " + e);
        }
    }

    /** What a reload did, for the audit log and the operator. */
    public sealed interface ReloadResult {
        record Loaded(String oldDigest, String newDigest) implements ReloadResult {}

        record Kept(String digest, String reason) implements ReloadResult {}
    }
}
