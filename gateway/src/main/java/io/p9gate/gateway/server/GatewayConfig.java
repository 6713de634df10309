package io.p9gate.gateway.server;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.session.RequestHandlerFactory;
import io.p9gate.gateway.session.SessionSettings;
import java.util.List;
import java.util.Objects;

/**
 * @param listeners      where to accept connections (at least one)
 * @param handlers       the filesystem half for each negotiated session
 * @param maxMsize       the largest msize the server accepts in Tversion (at most 1 MiB + header)
 * @param workers        threads that serve requests off the event loop
 * @param maxOutstanding requests served at once per connection (R-ROB-2); beyond it reading pauses
 * @param ioLimit        most payload bytes per Tread/Twrite, advertised as iounit; 0 = as msize allows
 * @param budgets        every VM's budgets, by listener (R-ROB-2)
 */
public record GatewayConfig(
        List<ListenSpec> listeners,
        RequestHandlerFactory handlers,
        int maxMsize,
        int workers,
        int maxOutstanding,
        int ioLimit,
        Budgets budgets) {
    public static final int DEFAULT_MSIZE = 1024 * 1024 + 4096;

    public GatewayConfig {
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(handlers, "handlers");
        Objects.requireNonNull(budgets, "budgets");
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("at least one listener is needed");
        }
        checkLimits(maxMsize, workers, maxOutstanding, ioLimit);
    }

    /**
     * @throws IllegalArgumentException with one line naming the limit out of range; for a command line to check
     *     before it opens anything (the audit log), and before the budgets divide by msize
     */
    public static void checkLimits(int maxMsize, int workers, int maxOutstanding, int ioLimit) {
        if (maxMsize < SessionSettings.MIN_MSIZE || maxMsize > DEFAULT_MSIZE) {
            throw new IllegalArgumentException(
                    "msize must be between " + SessionSettings.MIN_MSIZE + " and " + DEFAULT_MSIZE + ": " + maxMsize);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException(
                    "outstanding requests per connection must be at least 1: " + maxOutstanding);
        }
        if (ioLimit < 0) {
            throw new IllegalArgumentException("iounit must not be negative: " + ioLimit);
        }
    }

    /** Every listener its own VM, with the budgets derived from what the process has. */
    public GatewayConfig(
            List<ListenSpec> listeners,
            RequestHandlerFactory handlers,
            int maxMsize,
            int workers,
            int maxOutstanding,
            int ioLimit) {
        checkLimits(maxMsize, workers, maxOutstanding, ioLimit); // before the budgets divide by msize
        this(
                listeners,
                handlers,
                maxMsize,
                workers,
                maxOutstanding,
                ioLimit,
                Budgets.perListener(
                        listeners.stream().map(ListenSpec::describe).toList(),
                        (int) listeners.stream()
                                .filter(ListenSpec.Tls.class::isInstance)
                                .count(),
                        maxMsize));
    }

    /** Without an I/O limit below msize. */
    public GatewayConfig(
            List<ListenSpec> listeners, RequestHandlerFactory handlers, int maxMsize, int workers, int maxOutstanding) {
        this(listeners, handlers, maxMsize, workers, maxOutstanding, 0);
    }

    /** With the default cap of {@value SessionSettings#DEFAULT_MAX_OUTSTANDING} outstanding requests. */
    public GatewayConfig(List<ListenSpec> listeners, RequestHandlerFactory handlers, int maxMsize, int workers) {
        this(listeners, handlers, maxMsize, workers, SessionSettings.DEFAULT_MAX_OUTSTANDING);
    }
}
