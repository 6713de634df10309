package io.p9gate.gateway.server;

/** One warning line per refused connection (the audit record, written by the identifier, has the details). */
final class RefusedPeers {
    private static final System.Logger LOG = System.getLogger(RefusedPeers.class.getName());

    private RefusedPeers() {}

    static void log(ListenSpec spec, PeerVerdict.Refused refused) {
        LOG.log(
                System.Logger.Level.WARNING,
                () -> "refused a connection on " + spec.describe()
                        + (refused.vm().isEmpty() ? "" : " (VM " + refused.vm() + ")") + ": " + refused.reason());
    }
}
