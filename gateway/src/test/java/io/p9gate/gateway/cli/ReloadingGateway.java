package io.p9gate.gateway.cli;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Map;

/**
 * A gateway served from a policy file, with budgets, reloads and lifecycle records wired as {@code serve} wires them;
 * what a reload closes is registered by each test ({@link #closeRemovedVms}, {@link #closeTakenShares}).
 */
final class ReloadingGateway implements AutoCloseable {
    static final int LOCK_SUCCESS = 0;
    private static final int O_RDWR = 2;
    private static final byte F_WRLCK = 1;

    final PolicyHolder holder;
    final PolicyReloader reloader;
    final LifecycleRecords trail = new LifecycleRecords();
    private final ShareServerFactory shares;
    private final Gateway gateway;

    ReloadingGateway(Path policyFile) throws Exception {
        holder = PolicyHolder.load(policyFile);
        reloader = new PolicyReloader(holder);
        shares = PolicyServed.shares(holder, trail);
        try {
            gateway = PolicyFixture.serve(
                    holder, shares, PolicyServe.budgets(holder, reloader, Map.of(), GatewayConfig.DEFAULT_MSIZE));
        } catch (Exception e) {
            shares.close();
            throw e;
        }
    }

    /**
     * A policy where VM alpha serves {@code alphaData} (a share entry line, or "") and {@code own} (tmp/own), and VM
     * beta serves {@code data} (tmp/data), each on a socket in {@code tmp}.
     */
    static String alphaAndBeta(Path tmp, String alphaData) {
        return """
                image: test
                vms:
                  alpha:
                    listen: unix:%s
                    shares:
                %s      own: {path: %s, access: read-write}
                  beta:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write}
                """.formatted(
                        tmp.resolve("alpha.sock"),
                        alphaData,
                        tmp.resolve("own"),
                        tmp.resolve("beta.sock"),
                        tmp.resolve("data"));
    }

    void closeRemovedVms() {
        PolicyServe.closeRemovedVms(holder, reloader, gateway, new PrintWriter(new StringWriter()));
    }

    void closeTakenShares() {
        PolicyServe.closeTakenShares(reloader, shares, gateway, new PrintWriter(new StringWriter()));
    }

    static P9Client connect(Path socket) throws Exception {
        return P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
    }

    /** Attaches {@code share} as fid 0 and opens its file {@code name} for reading and writing as fid 1. */
    static void openForWriting(P9Client client, String share, String name) throws Exception {
        client.attach(0, "root", share, 0);
        client.walk(0, 1, name);
        client.lopen(1, O_RDWR);
    }

    /** Asks for a write lock on the first byte of {@code fid}'s file, without waiting: Rlock's status. */
    static int writeLock(P9Client client, int fid, String owner) throws Exception {
        RMessage.Rlock reply = (RMessage.Rlock) client.rpc(new TMessage.Tlock(fid, F_WRLCK, 0, 0, 0, 1, owner));
        return reply.status();
    }

    /** Waits until a session of {@code vm} has ended: it ends on its lane, after the socket, and then its locks are gone. */
    void awaitSessionClosed(String vm) {
        while (!trail.sessionClosed(vm)) {
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        try (shares) {
            gateway.close();
        }
    }
}
