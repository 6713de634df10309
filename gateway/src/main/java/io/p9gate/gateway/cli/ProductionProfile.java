package io.p9gate.gateway.cli;

import io.p9gate.audit.note.KeyFiles;
import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.policyadapter.ChangeableByOthers;
import io.p9gate.gateway.server.ListenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
            Path policyFile,
            List<Path> policySources,
            List<ListenSpec> listeners,
            Path auditDir,
            Path auditKey,
            Path tlsKey,
            MetricsAddress metrics,
            boolean auditDiskBudget,
            List<Path> peerTrust) {
        ServePlan {
            policySources = List.copyOf(policySources);
            listeners = List.copyOf(listeners);
            peerTrust = List.copyOf(peerTrust);
        }
    }

    private ProductionProfile() {}

    /** Every reason this plan may not run in production, in a fixed order; empty when it may. */
    static List<String> refusals(ServePlan plan) {
        List<String> why = new ArrayList<>();
        if (plan.policyFile() == null) {
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
        for (Path source : plan.policySources()) {
            privateFile("policy", source).ifPresent(why::add);
            changeableByOthers("policy", source).ifPresent(why::add);
        }
        for (Path trust : plan.peerTrust()) {
            changeableByOthers("client-cert file", trust).ifPresent(why::add);
        }
        if (plan.auditKey() != null) {
            privateFile("audit key", plan.auditKey()).ifPresent(why::add);
            changeableByOthers("audit key", plan.auditKey()).ifPresent(why::add);
        }
        if (plan.tlsKey() != null) {
            privateFile("TLS key", plan.tlsKey()).ifPresent(why::add);
            changeableByOthers("TLS key", plan.tlsKey()).ifPresent(why::add);
        }
        return why;
    }

    /**
     * A file the gateway trusts that another host user can change, or replace through a directory above it, is
     * theirs: a policy they rewrite, a CA they add their own certificate to (and then connect as any VM it pins by
     * subject), a key they swap. Its mode alone does not say so: a 0600 file owned by someone else is theirs.
     */
    private static Optional<String> changeableByOthers(String what, Path file) {
        List<String> reasons = ChangeableByOthers.fileAndItsDirectories(file);
        if (reasons.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(what + " " + file + " can be changed by another host user (" + String.join("; ", reasons)
                + "; keep it and the directories above it owned by root and writable by their owner only)");
    }

    /** A file others may read or change is refused: its secrets or its rules would be theirs too. */
    private static Optional<String> privateFile(String what, Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!KeyFiles.ownerOnly(perms)) {
                return Optional.of(what + " " + file + " is accessible by group or others ("
                        + PosixFilePermissions.toString(perms) + "; chmod 600 it)");
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.of(what + " " + file + " does not exist");
        } catch (IOException e) {
            return Optional.of(what + " " + file + " cannot be checked: " + e.getMessage());
        }
    }
}
