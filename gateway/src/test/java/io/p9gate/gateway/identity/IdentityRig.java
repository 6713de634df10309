package io.p9gate.gateway.identity;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyBudgets;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyPeers;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A gateway serving a policy written by the test, identifying connections as {@code serve --policy} does
 * ({@link PolicyPeers}), with every audit record kept. Two share directories, {@code a} and {@code b}, each
 * holding a file named after itself, so a session shows whose view it got.
 */
final class IdentityRig implements AutoCloseable {
    final Path dir;
    final Path shareA;
    final Path shareB;
    final List<AuditEntry> records = new CopyOnWriteArrayList<>();
    /** The thread each record was made on, by VM and operation ("VM OPERATION THREAD"). */
    final List<String> recordedOn = new CopyOnWriteArrayList<>();

    /** How many records were made; with {@link #countOnly} the only thing kept of them. */
    final AtomicLong recorded = new AtomicLong();
    /** Keeps no records (a measurement's millions would make each copy-on-write add slower than the gateway). */
    volatile boolean countOnly;

    /** Runs on the recording thread before each record is kept (a test may hold that thread here). */
    volatile Consumer<AuditEntry> beforeRecord = entry -> {};

    /** The lifecycle records (sessions opened and closed, connections), in order. */
    final List<GatewayEvent> events = new CopyOnWriteArrayList<>();

    final AuditTrail audit = new AuditTrail() {
        @Override
        public long record(AuditEntry entry) {
            beforeRecord.accept(entry);
            recorded.incrementAndGet();
            if (countOnly) {
                return recorded.get();
            }
            records.add(entry);
            recordedOn.add(entry.request().vm() + " " + entry.request().operation() + " "
                    + Thread.currentThread().getName());
            return records.size();
        }

        @Override
        public void lifecycle(GatewayEvent event) {
            events.add(event);
        }
    };
    /** What the gateway identifies connections with, made of the policy's identifier (a test may wrap it). */
    UnaryOperator<PeerIdentifier> identifiers = UnaryOperator.identity();

    /** The process's descriptors and memory as the budgets see them (a test may give it fewer descriptors). */
    HostResources host = HostResources.current();

    /** The gateway's {@code --msize} (a test may serve a smaller one). */
    int msize = GatewayConfig.DEFAULT_MSIZE;

    PolicyHolder holder;
    Budgets budgets;
    private ShareServerFactory shares;
    Gateway gateway;

    IdentityRig(Path dir) throws Exception {
        this.dir = dir;
        shareA = Files.createDirectories(dir.resolve("share-a"));
        shareB = Files.createDirectories(dir.resolve("share-b"));
        Files.writeString(shareA.resolve("a.txt"), "VM a's view");
        Files.writeString(shareB.resolve("b.txt"), "VM b's view");
    }

    /** Loads {@code vms} (YAML under {@code vms:}; {@code %A}/{@code %B} stand for the share directories). */
    IdentityRig load(String vms) throws Exception {
        holder = PolicyHolder.load(write(vms));
        return this;
    }

    /** Writes {@code vms} as {@link #load} does, for {@code holder.reload()} to read. */
    Path write(String vms) throws Exception {
        Path policy = dir.resolve("policy.yaml");
        return Files.writeString(
                policy,
                "image: test\nvms:\n"
                        + vms.stripIndent()
                                .replace("%A", shareA.toString())
                                .replace("%B", shareB.toString())
                                .lines()
                                .map(l -> "  " + l + "\n")
                                .reduce("", String::concat));
    }

    /** Loads {@code vms} and serves them; a start that fails leaves nothing open. */
    IdentityRig start(String vms, ServerTls tls) throws Exception {
        load(vms);
        shares = new ShareServerFactory(
                new PolicyShares(
                        holder,
                        new SessionGuards(holder::current, OwnershipMode.XATTR, new PolicyQuotas(holder.current()))),
                audit);
        try {
            // Budgets from the policy's limits, as serve --policy makes them (R-ROB-2).
            budgets = PolicyBudgets.of(holder.current(), Map.of(), msize, host);
            gateway = Gateway.start(
                    new GatewayConfig(
                            PolicyListeners.of(holder.current(), tls),
                            shares,
                            msize,
                            2,
                            SessionSettings.DEFAULT_MAX_OUTSTANDING,
                            0,
                            budgets),
                    identifiers.apply(new PolicyPeers(holder::current, audit)));
        } catch (Exception e) {
            close();
            throw e;
        }
        return this;
    }

    /** A test PKI (a day's validity) with a client certificate for each of {@code vms}. */
    static TestPki pki(Path dir, String... vms) throws Exception {
        TestPki pki = TestPki.create(dir, "p9gate test CA", List.of(), Duration.ofDays(1));
        for (String vm : vms) {
            pki.issueClient(vm, Duration.ofDays(1));
        }
        return pki;
    }

    /** A loopback TCP port free now, for a policy's {@code tls:} listener to bind. */
    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** The server side of {@code pki}: its server certificate and key. */
    static ServerTls serverTls(TestPki pki) throws Exception {
        return ServerTls.load(pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY));
    }

    /** The records of refused connections (denied attaches outside any session). */
    List<AuditEntry> refusals() {
        return records.stream()
                .filter(r -> r.request().sessionId() == 0 && !r.decision().allowed())
                .toList();
    }

    /** Whether {@code refusal} is of a connection refused at accept, its address's handshakes failing. */
    static boolean penalised(AuditEntry refusal) {
        return refusal.request().detail().contains("keep failing");
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        if (shares != null) {
            shares.close();
        }
    }
}
