package io.p9gate.gateway.cli;

import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.metrics.QuotaScope;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.PeerIdentifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** What one way of serving (named shares, or a policy file) contributes to the common start-up. */
sealed interface ServeMode permits PolicyServeMode, ShareServeMode {
    /** The shares by name, for the configuration digest (empty under a policy: its digest is recorded). */
    Map<String, Path> shares();

    GatewayConfig config(AuditTrail trail);

    /** Records the policy in use, if any, before the first client can connect. */
    void loaded(AuditTrail trail) throws P9Exception;

    /** Announces the listeners; arms what runs beside the gateway (reload on SIGHUP, pid file). */
    void started(Gateway gateway, GatewayConfig config) throws IOException;

    /** One line for systemd's STATUS= once serving. */
    String status();

    /** How many VMs are served: they share the end of the audit disk budget evenly. */
    int vms();

    /** Every quota's scope, use and limit now, for the metrics; none without a policy. */
    default Supplier<List<QuotaScope>> quotaScopes() {
        return List::of;
    }

    /** The host directory of a VM's share now (for the audit disk budget: is it on the log's file system?). */
    Optional<Path> shareDir(String vm, String share);

    /** Every share's host directory now, by a name for messages. */
    Map<String, Path> shareDirs();

    /** Each CRL file of the policy and its nextUpdate, for the metrics; none without a policy. */
    default Supplier<Map<String, Instant>> crlNextUpdates() {
        return Map::of;
    }

    /** Which VM a connection speaks for (R-DEP-1); without a policy, the listener's. */
    default PeerIdentifier identifier(AuditTrail trail) {
        return PeerIdentifier.LISTENER_IS_VM;
    }
}
