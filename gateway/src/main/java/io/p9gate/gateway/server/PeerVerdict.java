package io.p9gate.gateway.server;

/** Who a connection speaks for, as its transport established it (R-DEP-1), or why it is refused. */
public sealed interface PeerVerdict {

    /** @param vm the VM; "" when the listener itself is the VM (serving without a policy) */
    record Accepted(String vm) implements PeerVerdict {}

    /**
     * @param vm     the VM the listener or credentials point to, "" when none
     * @param rule   what refused it, as the audit record names it ({@code identity.peer}, ...)
     * @param reason one line for the log and the audit record
     */
    record Refused(String vm, String rule, String reason) implements PeerVerdict {
        /** A connection of {@code vm} on a listener the gateway serves it on only from its next restart. */
        public static Refused untilRestart(String vm, String why) {
            return new Refused(
                    vm,
                    PeerIdentifier.RULE_LISTENER,
                    "VM " + vm + " is served from the gateway's next restart (" + why + ")");
        }
    }
}
