package io.p9gate.gateway.cli;

import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.policy.model.PolicyFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code serve --profile production} (R-DEP-4): the development conveniences that must never reach a shipped
 * image are refused, each with its reason, before anything is opened. The rules look only at what serve is
 * about to do ({@link ServePlan}), so each can be tested on its own. Gateway state inside or reachable from a
 * share (R-POL-9) is refused in every profile, by the policy load ({@code ServedPolicyCheck}) and by
 * {@code serve --share} ({@code GatewayState}), before these rules run.
 */
final class ProductionProfile {
    /** What serve is about to do, as far as these rules care; {@code null} where an option was not given. */
    record ServePlan(
            PolicyFile policy,
            List<ListenSpec> listeners,
            Path auditDir,
            Path auditKey,
            Path tlsKey,
            MetricsAddress metrics,
            boolean auditDiskBudget) {
        ServePlan {
            listeners = List.copyOf(listeners);
        }
    }

    private ProductionProfile() {}

    /** Every reason this plan may not run in production, in a fixed order; empty when it may. */
    static List<String> refusals(ServePlan plan) {
        List<String> why = new ArrayList<>();
        if (plan.policy() == null) {
            why.add("no --policy (serving --share without a policy is a development convenience)");
        }
        for (ListenSpec listener : plan.listeners()) {
            switch (listener) {
                case ListenSpec.Tcp tcp -> {
                    // Bound to a VM's host-only interface, the device is the identity (issue 9 item 5a).
                    if (tcp.device() == null) {
                        why.add("plain TCP listener " + tcp.describe() + " (no TLS and not bound to a VM's "
                                + "interface: anyone reaching the address would be the VM; use tls:HOST:PORT or "
                                + "tcp:HOST:PORT%DEVICE)");
                    }
                }
                case ListenSpec.Unix unix -> {}
                case ListenSpec.Tls tls -> {}
                case ListenSpec.Vsock vsock -> {}
            }
        }
        if (plan.metrics() != null && !plan.metrics().hostOnly()) {
            // The metrics name every VM and what it does; they are for this host's collector only.
            why.add("metrics address " + plan.metrics().describe() + " is reachable from other hosts (use "
                    + "unix:PATH or tcp:127.0.0.1:PORT)");
        }
        if (plan.auditDir() == null || plan.auditKey() == null) {
            why.add("no signed audit log (--audit-dir DIR --audit-key FILE)");
        } else if (!plan.auditDiskBudget()) {
            // Every look of every guest is recorded: without a budget one guest can fill the host's disk.
            why.add("no disk budget for the audit log (--audit-max-bytes BYTES and/or --audit-min-free BYTES): a "
                    + "guest's records could fill the disk");
        }
        if (plan.policy() != null) {
            why.addAll(ProductionPolicyRules.refusals(plan.policy()));
        }
        if (plan.auditKey() != null) {
            ProductionPolicyRules.privateFile("audit key", plan.auditKey()).ifPresent(why::add);
            ProductionPolicyRules.changeableByOthers("audit key", plan.auditKey())
                    .ifPresent(why::add);
        }
        if (plan.tlsKey() != null) {
            ProductionPolicyRules.privateFile("TLS key", plan.tlsKey()).ifPresent(why::add);
            ProductionPolicyRules.changeableByOthers("TLS key", plan.tlsKey()).ifPresent(why::add);
        }
        return why;
    }
}
