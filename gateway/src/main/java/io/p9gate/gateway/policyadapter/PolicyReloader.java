package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Reloads the policy without a restart (R-POL-7), on SIGHUP or when called. {@link PolicyHolder}
 * swaps the engine atomically, or keeps the old one and says why; every result is passed to the
 * listeners (the log line, the audit record of a refused one, the budgets), and a reload about to be taken to those of
 * {@link #beforeTaking} first (its audit record, before the new engine's first decision). What the new engine needs before it
 * may serve (the quota books, from a scan of every scope) is made before the swap ({@link #beforeSwap}).
 *
 * <p>One reload at a time, its listeners included: the JVM runs each SIGHUP on a thread of its own, and two
 * reloads whose listeners interleaved recorded their digests out of order, so the audit log's last reload
 * record could name a policy no longer in force.
 */
public final class PolicyReloader {
    private static final System.Logger LOG = System.getLogger(PolicyReloader.class.getName());
    private final PolicyHolder holder;
    private final List<Consumer<ReloadResult>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> beginnings = new CopyOnWriteArrayList<>();
    private final List<PolicyHolder.Preparation> preparations = new CopyOnWriteArrayList<>();
    private final List<Consumer<ReloadResult.Loaded>> takings = new CopyOnWriteArrayList<>();
    private final ReentrantLock reloading = new ReentrantLock();
    /** A requested reload waits to begin: later requests are served by it, since it reads the file after them. */
    private final AtomicBoolean waiting = new AtomicBoolean();

    public PolicyReloader(PolicyHolder holder) {
        this.holder = holder;
    }

    /** Called after every reload attempt, on the thread that reloaded, one reload at a time. */
    public void onReload(Consumer<ReloadResult> listener) {
        listeners.add(listener);
    }

    /** Called as each reload begins, before it reads the file, on the thread that reloads, one reload at a time. */
    public void onBegin(Runnable listener) {
        beginnings.add(listener);
    }

    /**
     * Makes, before each swap, what the new engine needs to serve (its quota books): if {@code preparation} fails the
     * reload is refused and the old policy stays whole; otherwise what it made is put in place with the swap.
     */
    public void beforeSwap(PolicyHolder.Preparation preparation) {
        preparations.add(preparation);
    }

    /**
     * Called for each reload about to be taken, after every preparation succeeded and right before the swap (the old
     * engine still decides): what must come before the new engine's first decision, its audit record. Should the
     * install after the swap fail, the listeners of {@link #onReload} get the reload as kept.
     */
    public void beforeTaking(Consumer<ReloadResult.Loaded> listener) {
        takings.add(listener);
    }

    /** Reloads now, after any reload under way has finished with its listeners; logs the outcome and, if refused, why. */
    public ReloadResult reload() {
        reloading.lock();
        try {
            beginnings.forEach(Runnable::run);
            ReloadResult result = holder.reload(fresh -> {
                List<Runnable> installs = new ArrayList<>();
                for (PolicyHolder.Preparation preparation : preparations) {
                    installs.add(preparation.prepare(fresh));
                }
                ReloadResult.Loaded taking =
                        new ReloadResult.Loaded(holder.current().digest(), fresh.digest());
                takings.forEach(listener -> listener.accept(taking));
                return () -> installs.forEach(Runnable::run);
            });
            for (Consumer<ReloadResult> listener : listeners) {
                // One listener's failure must not skip the rest: the outcome file's, last, would leave its
                // `reloading` line for ever, and every later `policy reload` would wait past its own reload.
                try {
                    listener.accept(result);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "a policy reload listener failed (bug): " + e, e);
                }
            }
            return result;
        } finally {
            reloading.unlock();
        }
    }

    /**
     * What a SIGHUP asks: a reload that begins after the request. Requests that come while a reload already waits
     * to begin are served by that one, so a storm of signals during a long reload (a quota rescan of a huge tree)
     * makes one more reload, not one per signal.
     */
    public void requestReload() {
        if (waiting.getAndSet(true)) {
            return;
        }
        reloading.lock();
        try {
            waiting.set(false);
            reload();
        } finally {
            reloading.unlock();
        }
    }

    /**
     * Reloads on every SIGHUP (what {@code p9gate policy reload} and {@code systemctl reload} send).
     * The JVM runs signal handlers on their own thread, so a slow load never blocks a request.
     */
    public void reloadOnSighup() {
        HangupSignal.onEach(this::requestReload);
    }
}
