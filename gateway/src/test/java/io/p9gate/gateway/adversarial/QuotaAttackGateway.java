package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.QuotaPolicyRig;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The quota attacks' target (issue 8, item 5), one per test ({@code @RegisterExtension}): one hostile VM
 * "mallory" with a read-write share whose subtree {@code /work/cache} has a 1 MiB, {@value #INODES}-inode
 * quota, served by a real gateway on a Unix socket and reached by the raw client. The host may prepare the
 * share before {@link #start()} (usage is measured at start, as after a restart).
 */
final class QuotaAttackGateway implements BeforeEachCallback, AfterEachCallback {
    static final int LIMIT = 1 << 20;
    static final int INODES = 50;
    static final int O_RDWR = 2;
    static final int ROOT = 0;

    Path share;
    Path scope;
    private Path tmp;
    private final List<P9Client> clients = new ArrayList<>();
    private QuotaPolicyRig rig;
    private Gateway gateway;
    private QuotaPolicyRig peerRig;
    private Gateway peerGateway;
    private final String[] quotas;

    QuotaAttackGateway() {
        this("{path: /work/cache, bytes: %d, inodes: %d}".formatted(LIMIT, INODES));
    }

    /** With other quotas (YAML flow mappings) than the default's. */
    QuotaAttackGateway(String... quotas) {
        this.quotas = quotas.clone();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        tmp = Files.createTempDirectory("p9gate-quota-attack");
        share = Files.createDirectories(tmp.resolve("share"));
        scope = Files.createDirectories(share.resolve("work/cache"));
    }

    QuotaAttackGateway start() throws Exception {
        rig = new QuotaPolicyRig(tmp, "mallory", share, quotas);
        gateway = Gateway.start(new GatewayConfig(
                PolicyListeners.of(rig.holder.current()), rig.shares, GatewayConfig.DEFAULT_MSIZE, 4));
        return this;
    }

    /** The VM's quota usage as a restart would measure it: the start-up scan of every scope, done again now. */
    io.p9gate.policy.quota.Usage usageAfterRestart() {
        return new io.p9gate.gateway.policyadapter.PolicyQuotas(rig.holder.current())
                .usage("mallory")
                .values()
                .iterator()
                .next();
    }

    /** Every scope's usage as a restart would measure it, by quota. */
    java.util.Map<String, io.p9gate.policy.quota.Usage> usagesAfterRestart() {
        return new io.p9gate.gateway.policyadapter.PolicyQuotas(rig.holder.current()).usage("mallory");
    }

    /** Every scope's usage as the running gateway counts it, by quota. */
    java.util.Map<String, io.p9gate.policy.quota.Usage> usagesNow() {
        return rig.quotas.usage("mallory");
    }

    /** What {@code p9gate policy reload} does to the quota books: every scope scanned again, the new count current. */
    void reload() {
        rig.quotas.rebuild(rig.holder.current());
    }

    /** The VM's quota usage now, as the running gateway counts it. */
    io.p9gate.policy.quota.Usage usageNow() {
        return rig.quotas.usage("mallory").values().iterator().next();
    }

    /** A new connection of the VM (another session), attached: fid {@link #ROOT} is the share's root. */
    P9Client connect() throws Exception {
        P9Client client = P9Client.open(UnixDomainSocketAddress.of(rig.socket), GatewayConfig.DEFAULT_MSIZE);
        clients.add(client);
        client.attach(ROOT, "mallory", "data", 0);
        return client;
    }

    /**
     * A connection of another VM, "peer", that serves the same host folder as its share "data", without quotas:
     * what it does there is not this VM's request, as the host's is not.
     */
    P9Client connectPeer() throws Exception {
        if (peerRig == null) {
            peerRig = new QuotaPolicyRig(tmp, "peer", share);
            peerGateway = Gateway.start(new GatewayConfig(
                    PolicyListeners.of(peerRig.holder.current()), peerRig.shares, GatewayConfig.DEFAULT_MSIZE, 2));
        }
        P9Client client = P9Client.open(UnixDomainSocketAddress.of(peerRig.socket), GatewayConfig.DEFAULT_MSIZE);
        clients.add(client);
        client.attach(ROOT, "peer", "data", 0);
        return client;
    }

    /** As {@link #connect()}, in the dialect {@code version} ({@code 9P2000.u}, {@code 9P2000}). */
    P9Client connect(String version) throws Exception {
        P9Client client = P9Client.connect(UnixDomainSocketAddress.of(rig.socket), GatewayConfig.DEFAULT_MSIZE);
        clients.add(client);
        client.version(GatewayConfig.DEFAULT_MSIZE, version);
        client.attach(ROOT, "mallory", "data", 0);
        return client;
    }

    /**
     * Writes {@code count} zero bytes at {@code offset}, in chunks that halve at EDQUOT down to 4 KiB, where
     * it stops: the bytes accepted (exact when the room left is a multiple of 4 KiB).
     */
    static long fill(P9Client client, int fid, long offset, long count) throws Exception {
        int chunk = Math.min(client.iounit(), 256 * 1024);
        long done = 0;
        while (done < count) {
            int n = (int) Math.min(chunk, count - done);
            try {
                done += client.write(fid, offset + done, new byte[n]);
            } catch (P9Exception e) {
                if (e.errno() != Errno.EDQUOT) {
                    throw e;
                }
                if (chunk <= 4096) {
                    return done;
                }
                chunk /= 2;
            }
        }
        return done;
    }

    /** A request of the VM's, sent by {@link #renamedOntoMeanwhile}. */
    @FunctionalInterface
    interface Request {
        void send() throws Exception;
    }

    /**
     * Sends {@code request} while another VM's rename of {@code from} onto the entry {@code name} of the quota's
     * scope lands just before the request takes that entry's lock (backend.EntryLocks): the peer VM's Tremove of the
     * entry holds the lock (seam Entries.whileRemoving) until the request waits for it; then the host moves
     * {@code from} onto the entry, standing for the peer's rename, and the Tremove gives up.
     */
    void renamedOntoMeanwhile(Path from, String name, Request request) throws Exception {
        P9Client peer = connectPeer();
        peer.walk(ROOT, 1, "work", "cache", name);
        CountDownLatch held = new CountDownLatch(1);
        Entries.whileRemoving(() -> {
            held.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Entries.entryLockAwaited() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            try {
                Files.move(
                        from, scope.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new IllegalStateException("the peer's Tremove gives up: the entry is the VM's request's");
        });
        try {
            Thread removing = Thread.ofPlatform().start(() -> {
                try {
                    peer.remove(1);
                } catch (Exception e) {
                    // the seam's give-up
                }
            });
            if (!held.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("the peer's Tremove never held the entry");
            }
            request.send();
            removing.join();
        } finally {
            Entries.whileRemoving(null);
        }
    }

    /** What one connection does in a storm, drawing its choices from its own seeded {@code random}. */
    @FunctionalInterface
    interface Storm {
        void run(P9Client client, Random random) throws Exception;
    }

    /** Runs {@code storm} on all of {@code clients} at once, the i-th seeded with i, until every one is done. */
    static void storm(List<P9Client> clients, Storm storm) throws Exception {
        storm(clients, storm, null);
    }

    /**
     * As {@link #storm(List, Storm)}; a storm not done within {@code limit} (null: no limit), or one that failed (a
     * call the client's timeout gave up on, when the gateway hangs), fails the test with every thread's stack.
     */
    static void storm(List<P9Client> clients, Storm storm, Duration limit) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        try {
            List<Future<?>> storms = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                P9Client c = clients.get(i);
                Random random = new Random(i);
                storms.add(pool.submit(() -> {
                    storm.run(c, random);
                    return null;
                }));
            }
            long deadline = limit == null ? 0 : System.nanoTime() + limit.toNanos();
            for (Future<?> f : storms) {
                if (limit == null) {
                    f.get();
                    continue;
                }
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    throw new AssertionError("a storm hangs or failed (" + e + "); threads:\n" + threadDump(), e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String threadDump() {
        return Thread.getAllStackTraces().entrySet().stream()
                .map(t -> t.getKey() + "\n\t"
                        + Stream.of(t.getValue()).map(Object::toString).collect(Collectors.joining("\n\t")))
                .collect(Collectors.joining("\n"));
    }

    /** Clunks fids {@code first} to {@code first + count - 1} of every client, those in use. */
    static void clunkAll(List<P9Client> clients, int first, int count) throws Exception {
        for (P9Client c : clients) {
            for (int fid = first; fid < first + count; fid++) {
                try {
                    c.clunk(fid);
                } catch (P9Exception e) {
                    // not in use
                }
            }
        }
    }

    /** Bytes of the distinct regular files the host has below the quota's scope. */
    long hostBytesInScope() throws IOException {
        return hostBytesBelow(scope);
    }

    static long hostBytesBelow(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Set<Object> seen = new HashSet<>();
        try (Stream<Path> all = Files.walk(dir)) {
            long total = 0;
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                if (seen.add(Files.readAttributes(p, "unix:ino").get("ino"))) {
                    total += Files.size(p);
                }
            }
            return total;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        clients.forEach(P9Client::close);
        for (Gateway g : new Gateway[] {gateway, peerGateway}) {
            if (g != null) {
                g.close();
            }
        }
        for (QuotaPolicyRig r : new QuotaPolicyRig[] {rig, peerRig}) {
            if (r != null) {
                r.close();
            }
        }
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
