package io.p9gate.gateway.compliance;

import io.p9gate.policy.DecisionRequest;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.cli.CaseTarget;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.load.PolicyTestCase;
import io.p9gate.policy.load.PolicyTestFile;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sample policy moved into a temporary directory, so that a test can serve it: every host path it names
 * (share directories, Unix sockets, the protected key and audit directories) is rewritten to a place under
 * {@code root}, its hand-written Cedar files are copied beside it, and the share directories are made and
 * seeded with what an ECU image would hold: each read-only, hidden and quota subtree and one entry matching
 * each rule glob, owned by a host id the VMs' maps reach. The rules, ids and quotas stay as written.
 */
final class RelocatedPolicy {
    final Path root;
    /** The relocated policy file. */
    final Path policy;
    /** The sample's policy test file, moved likewise (its host paths rewritten); null if it has none. */
    final Path tests;

    final String text;
    private final PolicyEngine engine;

    private RelocatedPolicy(Path root, Path policy, Path tests, String text, PolicyEngine engine) {
        this.root = root;
        this.policy = policy;
        this.tests = tests;
        this.text = text;
        this.engine = engine;
    }

    static RelocatedPolicy of(Path sample, Path root) throws Exception {
        return of(sample, root, false);
    }

    /**
     * Like {@link #of(Path, Path)}; with {@code inodesTaken}, large inode quotas' scopes are mostly full already
     * (see {@link #prefill}), so the suite can fill the rest.
     */
    static RelocatedPolicy of(Path sample, Path root, boolean inodesTaken) throws Exception {
        PolicyFile original = PolicyEngine.load(sample).policy();
        Map<String, String> moves = new LinkedHashMap<>();
        int n = 0;
        for (VmPolicy vm : original.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.UnixSocket unix) {
                moves.put(
                        unix.path().toString(),
                        root.resolve("s").resolve(vm.id() + ".sock").toString());
            }
            for (SharePolicy share : vm.shares().values()) {
                moves.putIfAbsent(
                        share.hostDir().toString(),
                        root.resolve("shares").resolve("d" + n++).toString());
            }
        }
        if (original.protectedPaths().keyDir() != null) {
            moves.put(
                    original.protectedPaths().keyDir().toString(),
                    root.resolve("keys").toString());
        }
        if (original.protectedPaths().auditDir() != null) {
            moves.put(
                    original.protectedPaths().auditDir().toString(),
                    root.resolve("audit").toString());
        }
        String text = moved(Files.readString(sample, StandardCharsets.UTF_8), moves);
        Files.createDirectories(root.resolve("s"));
        Files.createDirectories(root.resolve("keys"));
        Path policy = root.resolve(sample.getFileName());
        Files.writeString(policy, text, StandardCharsets.UTF_8);
        for (Path cedar : original.cedarFiles()) {
            Files.copy(cedar, root.resolve(cedar.getFileName()));
        }
        Path sampleTests = sample.resolveSibling(sample.getFileName().toString().replace(".yaml", ".tests.yaml"));
        Path tests = null;
        if (Files.isRegularFile(sampleTests)) {
            tests = Files.writeString(
                    root.resolve(sampleTests.getFileName()),
                    moved(Files.readString(sampleTests, StandardCharsets.UTF_8), moves),
                    StandardCharsets.UTF_8);
        }
        RelocatedPolicy relocated = new RelocatedPolicy(root, policy, tests, text, PolicyEngine.load(policy));
        relocated.seed(inodesTaken);
        return relocated;
    }

    /** {@code text} with each host path moved; longest first, and only whole paths (/a/logs is not /a/logs2). */
    private static String moved(String text, Map<String, String> moves) {
        List<String> from = new ArrayList<>(moves.keySet());
        from.sort(Comparator.comparing(String::length).reversed());
        for (String path : from) {
            text = text.replaceAll(
                    Pattern.quote(path) + "(?=[/\\s\"',}\\]]|$)", Matcher.quoteReplacement(moves.get(path)));
        }
        return text;
    }

    /** The sample in the repository's policies/ directory. */
    static Path sample(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("policies").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "no policies/" + name + " above " + Path.of("").toAbsolutePath());
    }

    /**
     * A second policy file beside this one with {@code snippet} (which must occur) replaced: a weakened copy
     * for the gateway to serve while the suite checks against the original.
     */
    Path weakened(String snippet, String replacement) throws IOException {
        if (!text.contains(snippet)) {
            throw new IllegalArgumentException("the policy does not contain: " + snippet);
        }
        String edited = text.replaceFirst(Pattern.quote(snippet), Matcher.quoteReplacement(replacement));
        return Files.writeString(root.resolve("weakened-" + policy.getFileName()), edited, StandardCharsets.UTF_8);
    }

    PolicyEngine engine() {
        return engine;
    }

    /** Makes every share directory and fills it with entries the policy's subtrees, rules and test cases name. */
    private void seed(boolean inodesTaken) throws Exception {
        for (VmPolicy vm : engine.policy().vms().values()) {
            for (SharePolicy share : vm.shares().values()) {
                Path dir = Files.createDirectories(share.hostDir());
                file(dir, SharePath.of("/readme.txt"));
                for (Subtree t : share.readOnly()) {
                    file(dir, t.path().child("seed.txt"));
                }
                for (Subtree t : share.hidden()) {
                    file(dir, t.path().child("seed.txt"));
                }
                for (QuotaSpec q : share.quotas()) {
                    Files.createDirectories(host(dir, q.subtree()));
                    if (inodesTaken) {
                        SharePath listed = listable(vm.id(), share, q.subtree());
                        prefill(Files.createDirectories(host(dir, listed)), prefillable(q, share.quotas()));
                    }
                }
                for (Rule rule : share.rules()) {
                    for (PathPattern glob : rule.paths()) {
                        file(dir, instance(glob));
                    }
                }
            }
        }
        if (tests != null) {
            seedCases(PolicyTestFile.read(tests));
        }
        for (VmPolicy vm : engine.policy().vms().values()) {
            for (SharePolicy share : vm.shares().values()) {
                chownTree(share.hostDir(), vm.ids());
            }
        }
    }

    /** What a large inode quota leaves free after {@link #prefill}: what the suite then fills with creates. */
    static final long PREFILL_LEFT = 1000;

    /**
     * The part of {@code q}'s inode limit that {@link #prefill} may take: quotas nested in its scope are filled by
     * the suite too, and every inode they take counts in {@code q} as well.
     */
    private static long prefillable(QuotaSpec q, List<QuotaSpec> all) {
        if (q.maxInodes() == QuotaSpec.UNLIMITED) {
            return QuotaSpec.UNLIMITED;
        }
        long nested = all.stream()
                .filter(o -> o != q && o.subtree().isWithin(q.subtree()) && o.maxInodes() != QuotaSpec.UNLIMITED)
                .mapToLong(QuotaSpec::maxInodes)
                .sum();
        return Math.max(0, q.maxInodes() - nested);
    }

    /**
     * Where in {@code scope} the VM may list what is there (the suite counts a scope's use by listing it): the scope
     * itself, else the fixed start of an allow rule below it (e.g. {@code /infotainment} of {@code /infotainment/**}).
     */
    private SharePath listable(String vm, SharePolicy share, SharePath scope) {
        List<SharePath> candidates = new ArrayList<>(List.of(scope));
        for (Rule rule : share.rules()) {
            for (PathPattern glob : rule.paths()) {
                SharePath start = SharePath.of("/" + String.join("/", glob.prefix()));
                if (start.isWithin(scope) && glob.prefix().stream().noneMatch(s -> s.contains("*"))) {
                    candidates.add(start);
                }
            }
        }
        return candidates.stream()
                .filter(c -> engine.decide(new DecisionRequest(vm, share.name(), OpKind.READDIR, c, null, 0, 0))
                        .allowed())
                .findFirst()
                .orElse(scope);
    }

    /**
     * A scope with a large inode limit holds all but {@link #PREFILL_LEFT} of it already, as a share in use
     * would: the suite counts what is there and fills only the rest, so even a 500,000-inode limit is checked
     * with about a thousand creates (filling it from empty would take minutes and a million audit records).
     */
    private static void prefill(Path scope, long maxInodes) throws IOException {
        if (maxInodes == QuotaSpec.UNLIMITED || maxInodes <= 2 * PREFILL_LEFT) {
            return;
        }
        long entries = maxInodes - PREFILL_LEFT;
        Path base = Files.createDirectory(scope.resolve("prefill"));
        long made = 1;
        for (int d = 0; made < entries; d++) {
            Path sub = Files.createDirectory(base.resolve("d" + d));
            made++;
            for (int i = 0; i < 1000 && made < entries; i++, made++) {
                Files.createFile(sub.resolve("f" + i));
            }
        }
    }

    /**
     * What the test cases name, as an image would hold it: the directories on their way, and the entries that
     * reads, writes and removals act on (directories where a case lists them or names something below them).
     * Names that creates and renames are to make are left absent.
     */
    private void seedCases(PolicyTestFile file) throws Exception {
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (PolicyTestCase c : file.cases()) {
            CaseTarget at = CaseTarget.place(engine.policy(), c.vm(), c.share(), c.path());
            Path dir =
                    engine.policy().vms().get(c.vm()).shares().get(at.share()).hostDir();
            Path host = host(dir, at.path());
            if (at.path().depth() > 0) {
                dirs.add(host.getParent());
            }
            if (c.dest() != null) {
                dirs.add(host(
                                dir,
                                CaseTarget.place(engine.policy(), c.vm(), c.share(), c.dest())
                                        .path())
                        .getParent());
            }
            boolean makes = switch (c.op()) {
                case CREATE, MKDIR, SYMLINK, MKNOD, RENAME -> true;
                default -> false;
            };
            if (c.op() == OpKind.READDIR) {
                dirs.add(host);
            } else if (!makes && at.path().depth() > 0) {
                files.add(host);
            }
        }
        for (Path d : dirs) {
            Files.createDirectories(d);
        }
        for (Path f : files) {
            if (!Files.exists(f) && dirs.stream().noneMatch(d -> d.startsWith(f))) {
                Files.writeString(f, "seeded for the compliance tests\n");
            }
        }
    }

    /** A path the glob matches: each '*' is "seed", "**" no segment at all; a glob ending in "**" gets a file below. */
    private static SharePath instance(PathPattern glob) {
        List<String> segments = new ArrayList<>();
        glob.prefix().forEach(s -> segments.add(s.replace("*", "seed")));
        glob.suffix().forEach(s -> segments.add(s.replace("*", "seed")));
        if (glob.globstar() && glob.suffix().isEmpty()) {
            segments.add("seed.txt");
        }
        return SharePath.of("/" + String.join("/", segments));
    }

    private static Path host(Path dir, SharePath path) {
        return path.depth() == 0 ? dir : dir.resolve(String.join("/", path.segments()));
    }

    private static void file(Path dir, SharePath path) throws IOException {
        Path host = host(dir, path);
        Files.createDirectories(host.getParent());
        if (!Files.exists(host)) {
            Files.writeString(host, "seeded for the compliance tests\n");
        }
    }

    /**
     * Owns the seeded entries by the host ids guest 1000 maps to in the first VM that uses the share, as an
     * image would: then the VMs are shown real ids, not the overflow id. Only root may chown; others keep
     * their own ids.
     */
    private static void chownTree(Path dir, IdMap ids) throws IOException {
        long uid = ids.uidToHost(1000);
        long gid = ids.gidToHost(1000);
        try (var tree = Files.walk(dir)) {
            for (Path p : tree.toList()) {
                Object current = Files.getAttribute(p, "unix:uid");
                if (current.equals(0)) {
                    try {
                        Files.setAttribute(p, "unix:uid", (int) uid);
                        Files.setAttribute(p, "unix:gid", (int) gid);
                    } catch (IOException | SecurityException e) {
                        return; // not root: the files stay the test's own
                    }
                }
            }
        }
    }
}
