package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.testing.LoggedLines;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A gateway serving every VM of a policy file, ownership kept as {@code --ownership} says, every record kept. */
final class OwnershipRig implements AutoCloseable {
    final ChokePointGateway.Trail trail = new ChokePointGateway.Trail();
    private final ShareServerFactory shares;
    private final Gateway gateway;

    OwnershipRig(Path policyFile, OwnershipMode mode) throws Exception {
        PolicyHolder holder = PolicyHolder.load(policyFile);
        shares = new ShareServerFactory(
                new PolicyShares(holder, new SessionGuards(holder::current, mode, new PolicyQuotas(holder.current()))),
                trail);
        gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
    }

    /**
     * The policy file {@code file} of the VMs {@code vms} (from {@link #vm}), written; returns it.
     */
    static Path policy(Path file, String... vms) throws IOException {
        return Files.writeString(file, "image: ownership\nvms:\n" + String.join("", vms));
    }

    /** A VM on the unix socket {@code socket}, its guest ids 0.. mapped to host {@code hostBase}.., one share "data". */
    static String vm(String name, Path socket, long hostBase, Path share) {
        return vm(name, socket, hostBase, "data: {path: %s, access: read-write}".formatted(share));
    }

    /** As {@link #vm(String, Path, long, Path)} with the YAML of its shares, one a line. */
    static String vm(String name, Path socket, long hostBase, String shares) {
        return """
                  %s:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                """.formatted(name, socket, hostBase, hostBase)
                + shares.lines().map(line -> "      " + line + "\n").collect(Collectors.joining());
    }

    /** A new connection on the VM listener {@code socket}, Tversion done. */
    static P9Client connect(Path socket) throws Exception {
        return P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
    }

    /**
     * Two new connections on {@code socket} attach share "data" (at {@code share}) and create a file in it: each is
     * refused ESTALE, and {@code log} holds one WARNING for the share (returned).
     */
    static String assertStaleToNewAttaches(Path socket, Path share, LoggedLines log) throws Exception {
        for (int i = 0; i < 2; i++) {
            try (P9Client after = connect(socket)) {
                P9Exception stale = assertThrows(
                        P9Exception.class,
                        () -> {
                            after.attach(0, "root", "data", 0);
                            after.lcreate(0, "lost", 2 /* O_RDWR */, 0644, 0);
                        },
                        "attach " + i + " of the share, and a create in it");
                assertEquals(Errno.ESTALE, stale.errno(), stale.toString());
            }
        }
        List<String> told = log.startingWith("share 'data' (" + share + ")");
        assertEquals(1, told.size(), "one WARNING for the share: " + told);
        return told.getFirst();
    }

    @Override
    public void close() {
        gateway.close();
        shares.close();
    }
}
