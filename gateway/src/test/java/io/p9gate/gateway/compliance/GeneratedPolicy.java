package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A valid policy drawn from a seed, with a host tree to match: one or two VMs on Unix sockets, each with its own
 * uid/gid map (ranges, a squash, or none), optional {@code limits:}, {@code dialects:} and {@code socket:}, and
 * one or two shares with read-only and hidden subtrees at depths 1 to 4 (nested either way), allow and deny
 * rules with {@code *} and {@code **} globs, quotas (bytes, inodes, nested scopes), {@code devices:} and
 * {@code permissions:} modes, over names with spaces and non-ASCII letters. Every subtree, quota scope and rule
 * glob has an entry on the host, owned by the VM's host root. The same seed gives the same policy text (the
 * directories under {@code root} aside), so a failing seed is replayed exactly.
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

    private GeneratedPolicy(long seed, Path root, Path policy, String text, String firstHidden, List<Vm> vms) {
        this.seed = seed;
        this.root = root;
        this.policy = policy;
        this.text = text;
        this.firstHidden = firstHidden;
        this.vms = vms;
    }

    static GeneratedPolicy generate(long seed, Path root) throws IOException {
        Random random = new Random(seed);
        List<Vm> vms = new ArrayList<>();
        int vmCount = 1 + random.nextInt(2);
        for (int v = 0; v < vmCount; v++) {
            vms.add(Vm.draw(random, v, root));
        }
        for (Vm vm : vms) {
            for (Share share : vm.shares) {
                share.plant(vm);
            }
        }
        String text = render(seed, vms, null);
        Path policy = Files.writeString(root.resolve("policy.yaml"), text);
        String firstHidden = null;
        for (Vm vm : vms) {
            for (Share share : vm.shares) {
                if (firstHidden == null && share.outermostHidden() >= 0) {
                    firstHidden = vm.id + "/" + share.name + "/hidden[" + share.outermostHidden() + "]";
                }
            }
        }
        return new GeneratedPolicy(seed, root, policy, text, firstHidden, vms);
    }

    /**
     * The same policy with the subtree {@link #firstHidden} names left out of its {@code hidden:} list: what an
     * unfaithful gateway serves. The suite, given {@link #policy}, must fail that subtree's checks.
     */
    Path withoutFirstHidden() throws IOException {
        return Files.writeString(root.resolve("unfaithful.yaml"), render(seed, vms, firstHidden));
    }

    private static String render(long seed, List<Vm> vms, String leaveOut) {
        StringBuilder y = new StringBuilder("# generated policy, seed " + seed + "\nimage: gen-" + seed + "\nvms:\n");
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
            y.append("    listen: unix:").append(socket).append('\n');
            if (socketMode != null) {
                y.append("    socket: {mode: ").append(socketMode).append("}\n");
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
}
