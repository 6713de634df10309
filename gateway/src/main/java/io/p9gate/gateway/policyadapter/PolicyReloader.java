package io.p9gate.gateway.policyadapter;

import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Reloads the policy without a restart (R-POL-7), on SIGHUP or when called. {@link PolicyHolder}
 * swaps the engine atomically, or keeps the old one and says why; every result is passed to the
 * listeners (the log line, the audit record of the new digest, the quota books).
 */
public final class PolicyReloader {
    private final PolicyHolder holder;
    private final List<Consumer<ReloadResult>> listeners = new CopyOnWriteArrayList<>();

    public PolicyReloader(PolicyHolder holder) {
        this.holder = holder;
    }

    /** Called after every reload attempt, on the thread that reloaded. */
    public void onReload(Consumer<ReloadResult> listener) {
        listeners.add(listener);
    }

    /** Reloads now; serialised by the holder, which also logs the outcome and, if refused, why. */
    public ReloadResult reload() {
        ReloadResult result = holder.reload();
        for (Consumer<ReloadResult> listener : listeners) {
            listener.accept(result);
        }
        return result;
    }

    /**
     * Reloads on every SIGHUP (what {@code p9gate policy reload} and {@code systemctl reload} send).
     * The JVM runs signal handlers on their own thread, so a slow load never blocks a request.
     */
    public void reloadOnSighup() {
        HangupSignal.onEach(this::reload);
    }
}
