package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.session.RequestHandlerFactory;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * VM "alpha" reaches a gateway over its unix socket; the gateway serves alpha the shares "data" and "logs"
 * (read-write) either without a policy ({@link Mode#NO_POLICY}: every listener sees both, every request allowed)
 * or under a policy file ({@link Mode#POLICY}, which also gives VM "beta" a share "other"). Either way every audit
 * call, decision or lifecycle event, is kept. For the record-completeness attacks of issue 8 item 7 and issue 12
 * item 1: both modes must leave the same records.
 */
final class ChokePointGateway implements AutoCloseable {
    enum Mode {
        NO_POLICY,
        POLICY
    }

    /** Keeps every record and lifecycle event, in order. */
    static final class Trail implements AuditTrail {
        final List<AuditEntry> decisions = new CopyOnWriteArrayList<>();
        final List<GatewayEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public long record(AuditEntry entry) {
            decisions.add(entry);
            return decisions.size() - 1;
        }

        @Override
        public void lifecycle(GatewayEvent event) {
            events.add(event);
        }
    }

    final Mode mode;
    final Path data;
    final Path logs;
    final Path other;
    final Path alphaSocket;
    final Trail trail = new Trail();
    private final ShareServerFactory factory;
    private final Gateway gateway;

    private ChokePointGateway(Path tmp, Mode mode) throws Exception {
        this.mode = mode;
        data = Files.createDirectories(tmp.resolve("shares/data"));
        logs = Files.createDirectories(tmp.resolve("shares/logs"));
        other = Files.createDirectories(tmp.resolve("shares/other"));
        Files.writeString(data.resolve("f"), "data file");
        Files.writeString(logs.resolve("l"), "log file");
        alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        List<ListenSpec> listeners =
                List.of(ListenSpec.parse("unix:" + alphaSocket), ListenSpec.parse("unix:" + betaSocket));
        RequestHandlerFactory handlers;
        if (mode == Mode.NO_POLICY) {
            ShareServerFactory f = new ShareServerFactory(Map.of("data", data, "logs", logs), new AllowAll(), trail);
            factory = f;
            handlers = f;
        } else {
            Path policy = tmp.resolve("policy.yaml");
            Files.writeString(policy, """
                    image: test
                    vms:
                      alpha:
                        listen: unix:%s
                        shares:
                          data:
                            path: %s
                            access: read-write
                          logs:
                            path: %s
                            access: read-write
                      beta:
                        listen: unix:%s
                        shares:
                          other:
                            path: %s
                            access: read-write
                    """.formatted(alphaSocket, data, logs, betaSocket, other));
            PolicyHolder holder = PolicyHolder.load(policy);
            ShareServerFactory f = PolicyServed.shares(holder, trail);
            factory = f;
            handlers = f;
        }
        gateway = Gateway.start(new GatewayConfig(listeners, handlers, GatewayConfig.DEFAULT_MSIZE, 2));
    }

    static ChokePointGateway start(Path tmp, Mode mode) throws Exception {
        return new ChokePointGateway(tmp, mode);
    }

    /** A new connection of VM alpha, Tversion done. */
    P9Client alpha() throws Exception {
        return P9Client.open(UnixDomainSocketAddress.of(alphaSocket), 65536);
    }

    /** The decision records whose errno is {@code errno} and that deny. */
    List<AuditEntry> denials(Errno errno) {
        return trail.decisions.stream()
                .filter(e -> !e.decision().allowed() && errno == e.outcome().errno())
                .toList();
    }

    /** Stops the gateway: every session is closed (and its close recorded) when this returns. */
    @Override
    public void close() {
        gateway.close();
        factory.close();
    }
}
