package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two VMs whose shares overlap, under a real policy file: alpha's share {@code data} (read-write) and beta's share
 * {@code b} (read-write, with the extra YAML lines the test gives, e.g. {@code hidden:}), each behind its own Unix
 * socket, every audit record kept. Alpha and beta are raw 9P2000.L clients attached as root (fid 0).
 */
final class OverlappingSharesRig implements AutoCloseable {
    /** An id map giving alpha's guest ids 0-65535 the host ids 100000-165535. */
    static final String ALPHA_IDS = "{uid: {ranges: [{guest: 0, host: 100000, count: 65536}]},"
            + " gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}}";
    /** An id map giving beta's guest ids 0-65535 the host ids 200000-265535, none of alpha's. */
    static final String BETA_IDS = "{uid: {ranges: [{guest: 0, host: 200000, count: 65536}]},"
            + " gid: {ranges: [{guest: 0, host: 200000, count: 65536}]}}";

    final List<AuditEntry> records = new CopyOnWriteArrayList<>();
    final P9Client alpha;
    final P9Client beta;

    private final ShareServerFactory shares;
    private final Gateway gateway;

    OverlappingSharesRig(Path tmp, Path alphaShare, Path betaShare, String betaOptions) throws Exception {
        this(tmp, alphaShare, betaShare, betaOptions, "{}", "{}");
    }

    /** As above, alpha's and beta's {@code ids:} maps given as YAML flow mappings ({@code {}}: no map). */
    OverlappingSharesRig(Path tmp, Path alphaShare, Path betaShare, String betaOptions, String alphaIds, String betaIds)
            throws Exception {
        Path policy = tmp.resolve("policy.yaml");
        StringBuilder yaml = new StringBuilder("""
                image: overlapping
                vms:
                  alpha:
                    listen: unix:%s
                    ids: %s
                    shares:
                      data: {path: %s, access: read-write}
                  beta:
                    listen: unix:%s
                    ids: %s
                    shares:
                      b:
                        path: %s
                        access: read-write
                """.formatted(
                        tmp.resolve("alpha.sock"), alphaIds, alphaShare, tmp.resolve("beta.sock"), betaIds, betaShare));
        betaOptions.lines().forEach(line -> yaml.append("        ").append(line).append('\n'));
        Files.writeString(policy, yaml);
        PolicyHolder holder = PolicyHolder.load(policy);
        AuditTrail trail = entry -> {
            records.add(entry);
            return records.size();
        };
        shares = PolicyServed.shares(holder, trail);
        P9Client a = null;
        try {
            gateway = Gateway.start(
                    new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
            a = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("alpha.sock")), 65536);
            alpha = a;
            beta = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("beta.sock")), 65536);
            alpha.attach(0, "root", "data", 0);
            beta.attach(0, "root", "b", 0);
        } catch (Exception e) {
            if (a != null) {
                a.close();
            }
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (alpha != null) {
            alpha.close();
        }
        if (beta != null) {
            beta.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        shares.close();
    }
}
