package io.p9gate.gateway.compliance;

import io.p9gate.gateway.certs.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A valid policy drawn from a seed, with a host tree to match: one or two VMs on Unix sockets, each with its own
 * uid/gid map (ranges, a squash, or none), optional {@code limits:}, {@code dialects:} and {@code socket:}, and
 * one or two shares with read-only and hidden subtrees at depths 1 to 4 (nested either way), allow and deny
 * rules with {@code *} and {@code **} globs, quotas (bytes, inodes, nested scopes), {@code devices:} and
 * {@code permissions:} modes, over names with spaces and non-ASCII letters. Every subtree, quota scope and rule
 * glob has an entry on the host, owned by the VM's host root. A second stream of the seed (so that older seeds
 * keep every feature they had) adds: the VM's listener ({@code unix:} with or without {@code peer:}, {@code tls:}
 * with a {@code client-cert:} pin, every TLS VM on one port, {@code tcp:} with or without {@code %lo},
 * {@code vsock:}), a hand-written Cedar file ({@code forbid} with {@code @id}/{@code @errno}, {@code permit}), a
 * quota scope inside a read-only subtree and rules on read-only and hidden subtrees. The same seed gives the same
 * policy text (the directories under {@code root} and the ports aside), so a failing seed is replayed exactly.
 */
final class GeneratedPolicy {
    /** Odd but legal path segments: spaces, accents, CJK, a dot, a dash. */
    private static final List<String> NAMES =
            List.of("logs", "a b", "café", "日本語", "x-y_z", "with.dot", "Ünïcode dir", "cache", "pub", "work");

    final long seed;
    final Path root;
    final Path policy;
    final String text;
    /** A hidden subtree no other hidden subtree contains, as {@code VM/SHARE/hidden[i]}; null if none. */
    final String firstHidden;

    private final List<Vm> vms;
    private final Extras extras;

    private GeneratedPolicy(
            long seed, Path root, Path policy, String text, String firstHidden, List<Vm> vms, Extras extras) {
        this.seed = seed;
        this.root = root;
        this.policy = policy;
        this.text = text;
        this.firstHidden = firstHidden;
        this.vms = vms;
        this.extras = extras;
    }

    /** What {@code serve} needs besides the policy: the gateway's TLS certificate where a VM listens on {@code tls:}. */
    List<String> serveOptions() {
        Path pki = root.resolve("pki");
        return vms.stream().anyMatch(vm -> vm.listener == Listener.TLS)
                ? List.of(
                        "--tls-cert",
                        pki.resolve(TestPki.SERVER_CERT).toString(),
                        "--tls-key",
                        pki.resolve(TestPki.SERVER_KEY).toString())
                : List.of();
    }

    /** The VMs on a {@code tls:} listener, which the suite must reach with their certificates. */
    List<String> tlsVms() {
        return vms.stream()
                .filter(vm -> vm.listener == Listener.TLS)
                .map(vm -> vm.id)
                .toList();
    }

    /** What {@code compliance run} needs to reach each {@code tls:} VM as itself: its client certificate. */
    List<String> suiteOptions() {
        List<String> options = new ArrayList<>();
        for (Vm vm : vms) {
            if (vm.listener == Listener.TLS) {
                Path dir = root.resolve("pki").resolve(vm.id);
                options.add("--tls-cert");
                options.add(vm.id + "=" + dir.resolve(TestPki.CLIENT_CERT) + "," + dir.resolve(TestPki.CLIENT_KEY));
            }
        }
        return options;
    }

    static GeneratedPolicy generate(long seed, Path root) throws IOException {
        Random random = new Random(seed);
        List<Vm> vms = new ArrayList<>();
        int vmCount = 1 + random.nextInt(2);
        for (int v = 0; v < vmCount; v++) {
            vms.add(Vm.draw(random, v, root));
        }
        // java.util.Random's first draws from neighbouring seeds are alike (seeds 1-20 drew no peer:): mix the seed
        Extras extras = Extras.draw(new Random(new SplittableRandom(seed).nextLong()), vms, root);
        for (Vm vm : vms) {
            for (Share share : vm.shares) {
                share.plant(vm);
            }
        }
        String text = render(seed, vms, extras, null);
        Path policy = Files.writeString(root.resolve("policy.yaml"), text);
        String firstHidden = null;
        for (Vm vm : vms) {
            if (!vm.listener.probed()) {
                continue;
            }
            for (Share share : vm.shares) {
                if (firstHidden == null && share.outermostHidden() >= 0) {
                    firstHidden = vm.id + "/" + share.name + "/hidden[" + share.outermostHidden() + "]";
                }
            }
        }
        return new GeneratedPolicy(seed, root, policy, text, firstHidden, vms, extras);
    }

    /**
     * The same policy with the subtree {@link #firstHidden} names left out of its {@code hidden:} list: what an
     * unfaithful gateway serves. The suite, given {@link #policy}, must fail that subtree's checks.
     */
    Path withoutFirstHidden() throws IOException {
        return Files.writeString(root.resolve("unfaithful.yaml"), render(seed, vms, extras, firstHidden));
    }

    private static String render(long seed, List<Vm> vms, Extras extras, String leaveOut) {
        StringBuilder y = new StringBuilder("# generated policy, seed " + seed + "\nimage: gen-" + seed + "\n");
        if (extras.cedar != null) {
            y.append("cedar: [")
                    .append(quote(extras.cedar.getFileName().toString()))
                    .append("]\n");
        }
        y.append("vms:\n");
        for (Vm vm : vms) {
            vm.render(y, leaveOut);
        }
        return y.toString();
    }

    /** A YAML double-quoted scalar (the names are printable: only {@code "} and {@code \} need escaping). */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String path(Random random, int depth) {
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            p.append('/').append(NAMES.get(random.nextInt(NAMES.size())));
        }
        return p.toString();
    }

    private static final class Vm {
        final String id;
        final int index;
        final Path socket;
        /** 0: no ids; 1: ranges over guest 0..65535; 2: squash. */
        final int ids;

        final String limits;
        final String dialects;
        final String socketMode;
        final List<Share> shares = new ArrayList<>();
        /** Drawn from the second stream ({@link Extras}); {@code unix:} until then. */
        Listener listener = Listener.UNIX;

        int port;

        private Vm(String id, int index, Path socket, int ids, String limits, String dialects, String socketMode) {
            this.id = id;
            this.index = index;
            this.socket = socket;
            this.ids = ids;
            this.limits = limits;
            this.dialects = dialects;
            this.socketMode = socketMode;
        }

        static Vm draw(Random random, int index, Path root) {
            String id = "vm" + index + (random.nextBoolean() ? "_gen-" + index : "");
            int ids = random.nextInt(3);
            String limits = switch (random.nextInt(4)) {
                case 0 -> null;
                case 1 -> "{fids: 200, connections: 6}";
                case 2 -> "{descriptors: 120, xattr-bytes: 256KiB, weight: 3}";
                default -> "{connections: 8, fids: 300, outstanding: 16, locks: 64}";
            };
            String dialects = switch (random.nextInt(3)) {
                case 0 -> null;
                case 1 -> "[9p2000.L]";
                default -> "[9p2000.L, 9p2000.u]";
            };
            String mode = random.nextInt(3) == 0 ? "\"0600\"" : null;
            Vm vm = new Vm(id, index, root.resolve("vm" + index + ".sock"), ids, limits, dialects, mode);
            int shareCount = 1 + random.nextInt(2);
            for (int s = 0; s < shareCount; s++) {
                vm.shares.add(Share.draw(
                        random, s == 0 ? "data" : "share-" + s, root.resolve("h" + index + "-" + s), ids == 1));
            }
            return vm;
        }

        /** The host uid (and gid) the VM's guest root maps to. */
        int hostRoot() {
            return switch (ids) {
                case 1 -> 100000 + 65536 * index;
                case 2 -> 3000 + index;
                default -> 0;
            };
        }

        void render(StringBuilder y, String leaveOut) {
            y.append("  ").append(id).append(":\n");
            switch (listener) {
                case UNIX, UNIX_PEER -> {
                    y.append("    listen: unix:").append(socket).append('\n');
                    if (socketMode != null) {
                        y.append("    socket: {mode: ").append(socketMode).append("}\n");
                    }
                    if (listener == Listener.UNIX_PEER) {
                        // the suite connects as its own process: root, as the test runs
                        y.append("    peer: {uid: 0, gid: 0}\n");
                    }
                }
                case TLS ->
                    y.append("    listen: tls:127.0.0.1:")
                            .append(port)
                            .append("\n    client-cert: {ca: ")
                            .append(quote(socket.resolveSibling("pki")
                                    .resolve(TestPki.CA_CERT)
                                    .toString()))
                            .append(", subject: ")
                            .append(quote("CN=" + id))
                            .append("}\n");
                case TCP -> y.append("    listen: tcp:127.0.0.1:").append(port).append('\n');
                case TCP_DEVICE ->
                    y.append("    listen: tcp:127.0.0.1:").append(port).append("%lo\n");
                case VSOCK -> y.append("    listen: vsock:").append(port).append(":5640\n");
            }
            if (ids == 1) {
                String range = "{ranges: [{guest: 0, host: " + hostRoot() + ", count: 65536}]}";
                y.append("    ids:\n      uid: ")
                        .append(range)
                        .append("\n      gid: ")
                        .append(range)
                        .append('\n');
            } else if (ids == 2) {
                y.append("    ids: {uid: {squash: ")
                        .append(hostRoot())
                        .append("}, gid: {squash: ")
                        .append(hostRoot())
                        .append("}}\n");
            }
            if (limits != null) {
                y.append("    limits: ").append(limits).append('\n');
            }
            if (dialects != null) {
                y.append("    dialects: ").append(dialects).append('\n');
            }
            y.append("    shares:\n");
            for (Share share : shares) {
                share.render(y, leaveOut == null ? -1 : share.leaveOutIndex(id, leaveOut));
            }
        }
    }

    private static final class Share {
        final String name;
        final Path dir;
        final String access;
        final List<String> readOnly = new ArrayList<>();
        final List<String> hidden = new ArrayList<>();
        final List<String[]> rules = new ArrayList<>(); // id or null, effect, ops, glob
        final List<String> quotas = new ArrayList<>();
        final List<String> quotaPaths = new ArrayList<>();
        final List<String> cedarPaths = new ArrayList<>();
        final String devices;
        final String permissions;

        private Share(String name, Path dir, String access, String devices, String permissions) {
            this.name = name;
            this.dir = dir;
            this.access = access;
            this.devices = devices;
            this.permissions = permissions;
        }

        static Share draw(Random random, String name, Path dir, boolean mapsNobody) {
            String access = switch (random.nextInt(5)) {
                case 0 -> "read-only";
                case 1 -> "none";
                default -> "read-write";
            };
            String devices = random.nextBoolean() ? "mapped" : random.nextBoolean() ? "refuse" : null;
            // enforce needs guest 65534 mapped in both kinds (docs/policy.md, "Who is the principal")
            String permissions = mapsNobody && random.nextInt(3) == 0 ? "enforce" : null;
            Share share = new Share(name, dir, access, devices, permissions);
            int ro = random.nextInt(3);
            for (int i = 0; i < ro; i++) {
                share.readOnly.add(path(random, 1 + random.nextInt(3)));
            }
            int hid = random.nextInt(3);
            for (int i = 0; i < hid; i++) {
                share.hidden.add(path(random, 1 + random.nextInt(4)));
            }
            if (!share.readOnly.isEmpty() && random.nextBoolean()) {
                share.hidden.add(share.readOnly.get(0) + "/secret " + random.nextInt(10));
            }
            if (!share.hidden.isEmpty() && random.nextInt(3) == 0) {
                share.readOnly.add(share.hidden.get(0) + "/ro");
            }
            int ruleCount = random.nextInt(4) + ("none".equals(access) ? 1 : 0);
            for (int i = 0; i < ruleCount; i++) {
                String base = path(random, 1 + random.nextInt(2));
                String id = random.nextBoolean() ? "r" + i : null;
                String[] rule = switch (random.nextInt(5)) {
                    case 0 -> new String[] {id, "deny", "[CREATE, OPEN_WRITE, RENAME]", base + "/**/*.sh"};
                    case 1 -> new String[] {id, "deny", "[OPEN_READ]", base + "/*.key"};
                    case 2 -> new String[] {id, "allow", "[read]", base + "/**"};
                    case 3 -> new String[] {id, "allow", "[all]", base + "/**"};
                    default -> new String[] {id, "allow", "[read, CREATE, OPEN_WRITE, REMOVE]", base + "/*.log"};
                };
                share.rules.add(rule);
            }
            if (random.nextBoolean()) {
                String scope = random.nextBoolean() ? "/" : path(random, 1 + random.nextInt(2));
                share.addQuota(scope, random.nextBoolean() ? "bytes: 1MiB, inodes: 120" : "inodes: 80");
                if (random.nextBoolean()) {
                    share.addQuota((scope.equals("/") ? "" : scope) + "/inner q", "bytes: 64KiB, inodes: 30");
                }
            }
            return share;
        }

        /** A quota scope inside a read-only subtree; rules on a read-only and on a hidden subtree. */
        void drawExtras(Random random) {
            if (!readOnly.isEmpty() && random.nextBoolean()) {
                addQuota(readOnly.get(0) + "/ro q", "bytes: 256KiB, inodes: 40");
            }
            if (!readOnly.isEmpty() && random.nextBoolean()) {
                String base = readOnly.get(readOnly.size() - 1);
                rules.add(
                        random.nextBoolean()
                                ? new String[] {"on-ro", "allow", "[all]", base + "/**"}
                                : new String[] {"on-ro", "deny", "[OPEN_READ]", base + "/*.key"});
            }
            if (!hidden.isEmpty() && random.nextBoolean()) {
                String base = hidden.get(0);
                rules.add(
                        random.nextBoolean()
                                ? new String[] {"on-hidden", "allow", "[read]", base + "/**"}
                                : new String[] {"on-hidden", "deny", "[CREATE, OPEN_WRITE, RENAME]", base + "/**/*.sh"
                                });
            }
        }

        /** A hand-written Cedar file for this share: a forbid with its id and errno, sometimes a permit. */
        String cedar(Random random, String vm) {
            // the whole share half the time, so that the suite's own creates and writes meet the forbid
            String place = random.nextBoolean() ? "/" : path(random, 1 + random.nextInt(2));
            if (!place.equals("/")) {
                cedarPaths.add(place);
            }
            String directory = "P9gate::Directory::" + cedarString(vm + "/" + name + ":" + place);
            String errno = List.of("ENOENT", "EROFS", "EACCES").get(random.nextInt(3));
            StringBuilder c = new StringBuilder("// generated\n@id(\"gen.forbid\")\n@errno(\"" + errno + "\")\n");
            c.append("forbid (principal == P9gate::Vm::")
                    .append(cedarString(vm))
                    .append(", action in [P9gate::Action::\"CREATE\", P9gate::Action::\"MKDIR\", ")
                    .append("P9gate::Action::\"OPEN_WRITE\"], resource in ")
                    .append(directory)
                    .append(")")
                    .append(random.nextBoolean() ? " when { context.uid == 0 }" : "")
                    .append(";\n");
            if (random.nextBoolean()) {
                String open = path(random, 1);
                cedarPaths.add(open);
                c.append("@id(\"gen.permit\")\npermit (principal == P9gate::Vm::")
                        .append(cedarString(vm))
                        .append(", action in [P9gate::Action::\"WALK\", P9gate::Action::\"GETATTR\", ")
                        .append("P9gate::Action::\"OPEN_READ\", P9gate::Action::\"READDIR\"], resource in ")
                        .append("P9gate::Directory::")
                        .append(cedarString(vm + "/" + name + ":" + open))
                        .append(");\n");
            }
            return c.toString();
        }

        private static String cedarString(String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }

        private void addQuota(String scope, String limits) {
            quotaPaths.add(scope);
            quotas.add("{path: " + quote(scope) + ", " + limits + "}");
        }

        /**
         * Index of a hidden subtree the VM could reach but for its hiding (the share grants access by itself, no
         * other hidden subtree contains it), or -1.
         */
        int outermostHidden() {
            if (access.equals("none")) {
                return -1;
            }
            for (int i = 0; i < hidden.size(); i++) {
                String h = hidden.get(i);
                boolean inner = hidden.stream().anyMatch(o -> !o.equals(h) && h.startsWith(o + "/"));
                boolean duplicate = hidden.indexOf(h) != hidden.lastIndexOf(h);
                if (!inner && !duplicate) {
                    return i;
                }
            }
            return -1;
        }

        int leaveOutIndex(String vm, String leaveOut) {
            String prefix = vm + "/" + name + "/hidden[";
            if (!leaveOut.startsWith(prefix)) {
                return -1;
            }
            int i = Integer.parseInt(leaveOut.substring(prefix.length(), leaveOut.length() - 1));
            // a duplicate of the left-out path would keep it hidden
            String h = hidden.get(i);
            return hidden.indexOf(h) == hidden.lastIndexOf(h) ? i : -1;
        }

        void render(StringBuilder y, int leaveOutHidden) {
            y.append("      ").append(quote(name)).append(":\n");
            y.append("        path: ").append(quote(dir.toString())).append('\n');
            y.append("        access: ").append(access).append('\n');
            list(y, "read-only", readOnly, -1);
            list(y, "hidden", hidden, leaveOutHidden);
            if (!rules.isEmpty()) {
                y.append("        rules:\n");
                for (String[] r : rules) {
                    y.append("          - {");
                    if (r[0] != null) {
                        y.append("id: ").append(r[0]).append(", ");
                    }
                    y.append("effect: ")
                            .append(r[1])
                            .append(", ops: ")
                            .append(r[2])
                            .append(", paths: [")
                            .append(quote(r[3]))
                            .append("]}\n");
                }
            }
            if (!quotas.isEmpty()) {
                y.append("        quotas:\n");
                quotas.forEach(q -> y.append("          - ").append(q).append('\n'));
            }
            if (devices != null) {
                y.append("        devices: ").append(devices).append('\n');
            }
            if (permissions != null) {
                y.append("        permissions: ").append(permissions).append('\n');
            }
        }

        private static void list(StringBuilder y, String key, List<String> paths, int leaveOut) {
            List<String> kept = new ArrayList<>(paths);
            if (leaveOut >= 0) {
                kept.remove(leaveOut);
            }
            if (!kept.isEmpty()) {
                y.append("        ")
                        .append(key)
                        .append(": [")
                        .append(String.join(
                                ", ", kept.stream().map(GeneratedPolicy::quote).toList()))
                        .append("]\n");
            }
        }

        /** Makes the share's directory with an entry for every subtree, scope and glob, owned as the VM's root. */
        void plant(Vm vm) throws IOException {
            Files.createDirectories(dir);
            Set<String> dirs = new LinkedHashSet<>();
            dirs.addAll(readOnly);
            dirs.addAll(hidden);
            quotaPaths.stream().filter(p -> !p.equals("/")).forEach(dirs::add);
            dirs.addAll(cedarPaths);
            for (String d : dirs) {
                Path host = Files.createDirectories(dir.resolve(d.substring(1)));
                Files.writeString(host.resolve("f.txt"), "generated " + d + "\n");
            }
            for (String[] r : rules) {
                String glob = r[3];
                String fixed = glob.substring(0, glob.indexOf('*') - 1);
                Path host = Files.createDirectories(dir.resolve(fixed.substring(1)));
                String file = glob.endsWith("*.sh")
                        ? "sub/run.sh"
                        : glob.endsWith("*.key") ? "a.key" : glob.endsWith("*.log") ? "today.log" : "readme";
                Path target = host.resolve(file);
                Files.createDirectories(target.getParent());
                Files.writeString(target, "x\n");
            }
            Files.writeString(dir.resolve("top.txt"), "top\n");
            chown(dir, vm.hostRoot());
        }

        private static void chown(Path tree, int id) throws IOException {
            try (Stream<Path> all = Files.walk(tree)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Files.setAttribute(p, "unix:uid", id);
                    Files.setAttribute(p, "unix:gid", id);
                }
            }
        }
    }

    /** How a VM reaches the gateway; {@link #probed()} says whether the suite can connect as the VM. */
    enum Listener {
        UNIX,
        UNIX_PEER,
        TLS,
        TCP,
        TCP_DEVICE,
        VSOCK;

        boolean probed() {
            return switch (this) {
                case UNIX, UNIX_PEER, TLS -> true;
                case TCP, TCP_DEVICE, VSOCK -> false;
            };
        }
    }

    /**
     * The features drawn from the seed's second stream: listeners, a Cedar file, a quota inside a read-only
     * subtree, rules on read-only and hidden subtrees. Drawn after the first stream, so older seeds keep theirs.
     */
    private static final class Extras {
        final Path cedar;

        private Extras(Path cedar) {
            this.cedar = cedar;
        }

        static Extras draw(Random random, List<Vm> vms, Path root) throws IOException {
            List<Vm> tls = new ArrayList<>();
            int tlsPort = freePort();
            for (Vm vm : vms) {
                vm.listener = switch (random.nextInt(8)) {
                    case 0, 1, 2 -> Listener.UNIX;
                    case 3 -> Listener.UNIX_PEER;
                    case 4, 5 -> Listener.TLS;
                    case 6 -> random.nextBoolean() ? Listener.TCP : Listener.TCP_DEVICE;
                    default -> Listener.VSOCK;
                };
                vm.port = switch (vm.listener) {
                    case UNIX, UNIX_PEER -> 0;
                    case TLS -> tlsPort; // VMs on one tls: listener, told apart by their certificates
                    case TCP, TCP_DEVICE -> freePort();
                    case VSOCK -> 10 + vm.index; // a CID; nothing connects
                };
                if (vm.listener == Listener.TLS) {
                    tls.add(vm);
                }
                for (Share share : vm.shares) {
                    share.drawExtras(random);
                }
            }
            if (!tls.isEmpty()) {
                try {
                    TestPki pki = TestPki.create(root.resolve("pki"), "generated CA", List.of(), Duration.ofDays(1));
                    for (Vm vm : tls) {
                        pki.issueClient(vm.id, Duration.ofDays(1));
                    }
                } catch (java.security.GeneralSecurityException e) {
                    throw new IOException(e);
                }
            }
            Path cedar = null;
            if (random.nextInt(3) == 0) {
                Vm vm = vms.get(random.nextInt(vms.size()));
                Share share = vm.shares.get(random.nextInt(vm.shares.size()));
                cedar = Files.writeString(root.resolve("gen.cedar"), share.cedar(random, vm.id));
            }
            return new Extras(cedar);
        }

        private static int freePort() throws IOException {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return probe.getLocalPort();
            }
        }
    }
}
