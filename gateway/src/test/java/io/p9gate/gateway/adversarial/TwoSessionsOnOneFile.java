package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A gateway serving one share {@code data} under {@code policy}, and two sessions of it ({@link #first},
 * {@link #second}) that each hold the share's file {@code f} open for reading and writing as fid 1: what a lock race
 * between two sessions on one file needs.
 */
final class TwoSessionsOnOneFile implements AutoCloseable {
    final ShareServerFactory shares;
    final P9Client first;
    final P9Client second;
    private final Gateway gateway;

    TwoSessionsOnOneFile(Path tmp, AccessPolicy policy) throws Exception {
        this(tmp, policy, new NoAudit());
    }

    /** As {@link #TwoSessionsOnOneFile(Path, AccessPolicy)}, recording into {@code audit}. */
    TwoSessionsOnOneFile(Path tmp, AccessPolicy policy, AuditTrail audit) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "shared with another session");
        Path socket = tmp.resolve("vm.sock");
        shares = new ShareServerFactory(Map.of("data", share), policy, audit);
        gateway = Gateway.start(
                new GatewayConfig(List.of(ListenSpec.parse("unix:" + socket)), shares, GatewayConfig.DEFAULT_MSIZE, 4));
        first = opened(socket);
        second = opened(socket);
    }

    private static P9Client opened(Path socket) throws Exception {
        P9Client client = P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
        client.attach(0, "u", "data", 0);
        client.walk(0, 1, "f");
        client.lopen(1, 2);
        return client;
    }

    @Override
    public void close() {
        try (shares;
                gateway) {
            second.close();
            first.close();
        }
    }
}
