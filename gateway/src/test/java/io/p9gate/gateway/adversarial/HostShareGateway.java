package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.budget.Budgets;
import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The host-safety attack tests' gateway (issue 8 items 1, 9 and DAC): one VM "guest" behind a Unix socket
 * under a real policy file, with shares whose options the test writes ({@code devices:}, {@code permissions:}),
 * guest ids 0-65535 mapped to host 100000-165535, every audit entry kept.
 */
final class HostShareGateway implements AutoCloseable {
    static final int HOST_ID_BASE = 100000;

    final Path root;
    final Path socket;
    final Path policyFile;
    final List<AuditEntry> records = new CopyOnWriteArrayList<>();
    /** Run with each record as the request's own thread writes it, before the request goes on: a test's latch. */
    volatile Consumer<AuditEntry> recording = entry -> {};
    /** The policy served; {@link PolicyHolder#reload()} swaps in what {@link #policyFile} holds then. */
    final PolicyHolder holder;

    private final ShareServerFactory shares;
    private final Gateway gateway;

    /** One share of the policy: its attach name, its directory, and extra YAML lines for its options. */
    record Share(String name, Path dir, String options) {}

    private HostShareGateway(Path root, List<Share> served) throws Exception {
        this(root, served, null);
    }

    /** @param limits the VM's budgets, or null for none */
    private HostShareGateway(Path root, List<Share> served, Limits limits) throws Exception {
        this.root = root;
        this.socket = root.resolve("guest.sock");
        this.policyFile = root.resolve("policy.yaml");
        StringBuilder yaml = new StringBuilder("""
                image: host-safety
                vms:
                  guest:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                """.formatted(socket, HOST_ID_BASE, HOST_ID_BASE));
        for (Share share : served) {
            yaml.append("      ").append(share.name()).append(":\n");
            yaml.append("        path: ").append(share.dir()).append('\n');
            yaml.append("        access: read-write\n");
            for (String line : share.options().lines().toList()) {
                yaml.append("        ").append(line).append('\n');
            }
        }
        Files.writeString(policyFile, yaml);
        this.holder = PolicyHolder.load(policyFile);
        AuditTrail trail = entry -> {
            recording.accept(entry);
            records.add(entry);
            return records.size();
        };
        this.shares = PolicyServed.shares(holder, trail);
        try {
            this.gateway = Gateway.start(
                    limits == null
                            ? new GatewayConfig(
                                    PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4)
                            : new GatewayConfig(
                                    PolicyListeners.of(holder.current()),
                                    shares,
                                    GatewayConfig.DEFAULT_MSIZE,
                                    4,
                                    SessionSettings.DEFAULT_MAX_OUTSTANDING,
                                    0,
                                    budgets(limits, socket)));
        } catch (Exception e) {
            shares.close();
            throw e;
        }
    }

    /** Serves {@code tmp/NAME} for each name, every one with the same {@code options}. */
    static HostShareGateway serving(Path tmp, String options, String... names) throws Exception {
        return budgeted(tmp, null, options, names);
    }

    static HostShareGateway serving(Path tmp, List<Share> shares) throws Exception {
        return new HostShareGateway(tmp, shares);
    }

    /** As {@link #serving(Path, String, String...)}, the VM held to {@code limits} (descriptors, fids, ...; null: none). */
    static HostShareGateway budgeted(Path tmp, Limits limits, String options, String... names) throws Exception {
        List<Share> served = new ArrayList<>();
        for (String name : names) {
            Path dir = Files.createDirectories(tmp.resolve("shares").resolve(name));
            // Guest users other than root must be able to reach the share root (the kernel's first attach is nobody).
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            served.add(new Share(name, dir, options));
        }
        return new HostShareGateway(tmp, served, limits);
    }

    private static Budgets budgets(Limits limits, Path socket) {
        Budgets budgets = new Budgets(HostResources.current(), GatewayConfig.DEFAULT_MSIZE);
        budgets.add("guest", limits, List.of("unix:" + socket));
        return budgets;
    }

    /** A host file {@code dir/secret} holding {@code content}, of uid and gid {@code owner}, mode 0600. */
    static Path privateFile(Path dir, byte[] content, int owner) throws Exception {
        Path secret = Files.write(dir.resolve("secret"), content);
        Files.setAttribute(secret, "unix:uid", owner);
        Files.setAttribute(secret, "unix:gid", owner);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        return secret;
    }

    /** inotify watches this process holds, every instance together, as the kernel lists them. */
    static long kernelWatches() throws IOException {
        long n = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:inotify")) {
                        n += Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd.getFileName())).stream()
                                .filter(l -> l.startsWith("inotify wd:"))
                                .count();
                    }
                } catch (IOException closed) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }

    /** This process's open inotify instances: each VM's host-move watcher holds one. */
    static long inotifyInstances() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString().equals("anon_inode:inotify");
                        } catch (IOException closed) {
                            return false;
                        }
                    })
                    .count();
        }
    }

    Path share(String name) {
        return root.resolve("shares").resolve(name);
    }

    /** A raw 9P2000.L client on the VM's socket: what a hostile guest kernel can send. */
    P9Client client() throws Exception {
        return P9Client.open(UnixDomainSocketAddress.of(socket), 65536);
    }

    /** A raw client attached (fid 0) to {@code share} as guest user {@code uid}. */
    P9Client attached(String share, int uid) throws Exception {
        P9Client client = client();
        try {
            client.attach(0, "user" + uid, share, uid);
            return client;
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    /** Swaps in what {@link #policyFile} holds now, then does with the shares what serve does after a reload. */
    void reload() {
        if (!(holder.reload() instanceof PolicyHolder.ReloadResult.Loaded)) {
            throw new IllegalStateException("the reload was not taken");
        }
        shares.releaseWatchesOfSharesTakenAway();
    }

    /** What serve does after a reload that removed VMs: {@link Gateway#closeConnectionsOf}. */
    int closeConnectionsOf(Predicate<String> gone) {
        return gateway.closeConnectionsOf(gone);
    }

    /** Closes the gateway alone, as its public {@link Gateway#close} does: the factory is left to it. */
    void closeGateway() {
        gateway.close();
    }

    @Override
    public void close() {
        gateway.close();
        shares.close();
    }
}
