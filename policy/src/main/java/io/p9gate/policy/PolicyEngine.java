package io.p9gate.policy;

import io.p9gate.policy.cedar.CachingEvaluator;
import io.p9gate.policy.cedar.CedarEvaluator;
import io.p9gate.policy.cedar.CedarPolicySetBuilder;
import io.p9gate.policy.compile.CompiledRule;
import io.p9gate.policy.compile.Errnos;
import io.p9gate.policy.compile.MovedDirectory;
import io.p9gate.policy.compile.PathEvaluator;
import io.p9gate.policy.compile.ProtectedBelow;
import io.p9gate.policy.compile.RuleCompiler;
import io.p9gate.policy.compile.Scope;
import io.p9gate.policy.compile.Verdict;
import io.p9gate.policy.fast.FastEvaluator;
import io.p9gate.policy.ids.IdMap;
import io.p9gate.policy.load.IoReason;
import io.p9gate.policy.load.PolicyFileText;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyParser;
import io.p9gate.policy.load.PolicyValidator;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A loaded, validated policy for one ECU image, and the only object the gateway asks (R-POL-1, R-POL-2).
 * Immutable: reload builds a new engine and swaps it in a {@link PolicyHolder}.
 *
 * <p>Decisions come from the fast evaluator when the policy is pure YAML (property tests show it agrees
 * with Cedar on generated policies and requests) and from Cedar, behind a decision cache, when
 * hand-written {@code .cedar} policies are present, since those can say things the fast evaluator
 * does not model.
 */
public final class PolicyEngine {

    /**
     * Bound in bytes of the Cedar decision cache used with hand-written policies, shared out equally among the VMs:
     * about 55,000 decisions on short paths, fewer on long ones.
     */
    static final long DECISION_CACHE_BYTES = 16L << 20;

    private final PolicyFile policy;
    private final List<CompiledRule> rules;
    /** The compiled deny rules and the hand-written forbids scoped to a subtree: what a rename must not carry off. */
    private final List<CompiledRule> protecting;

    private final CedarEvaluator cedar;
    private final PathEvaluator decider;
    private final String digest;
    /** The names a hiding rule's subtree has directly in a directory: {@link #hiddenNamesIn}. */
    private final Map<HiddenParent, List<String>> hiddenNames;
    /** VM to the shares with at least one {@link #hiddenNames} entry: {@link #hidesNamesIn}. */
    private final Map<String, Set<String>> hidingShares;

    /** VM and share names of the shares where some decision depends on the path: {@link #decidesByPath}. */
    private final Set<List<String>> pathScopedShares;
    /** Whether hand-written Cedar is loaded: it may decide by path anywhere. */
    private final boolean handWritten;

    /** A directory of a VM's share. */
    private record HiddenParent(String vm, String share, SharePath dir) {}

    private PolicyEngine(
            PolicyFile policy,
            List<CompiledRule> rules,
            List<CompiledRule> handWrittenSubtrees,
            CedarEvaluator cedar,
            boolean handWritten,
            String digest) {
        this.policy = policy;
        this.rules = rules;
        List<CompiledRule> all = new ArrayList<>(rules);
        all.addAll(handWrittenSubtrees);
        this.protecting = List.copyOf(all);
        this.cedar = cedar;
        this.decider = handWritten
                ? new CachingEvaluator(cedar, policy.vms().keySet(), DECISION_CACHE_BYTES)
                : new FastEvaluator(rules);
        this.digest = digest;
        this.hiddenNames = hiddenNames(protecting);
        this.hidingShares = hidingShares(hiddenNames.keySet());
        this.handWritten = handWritten;
        Set<List<String>> scoped = new HashSet<>();
        for (CompiledRule r : rules) {
            if (!(r.scope() instanceof Scope.WholeShare)) {
                scoped.add(List.of(r.vm(), r.share()));
            }
        }
        this.pathScopedShares = Set.copyOf(scoped);
    }

    /** VM to the shares that have one of {@code dirs}. */
    private static Map<String, Set<String>> hidingShares(Set<HiddenParent> dirs) {
        Map<String, Set<String>> shares = new HashMap<>();
        for (HiddenParent d : dirs) {
            shares.computeIfAbsent(d.vm(), k -> new HashSet<>()).add(d.share());
        }
        shares.replaceAll((vm, names) -> Set.copyOf(names));
        return Map.copyOf(shares);
    }

    /** Every hiding subtree's top, by its parent directory (a hidden share root has none). */
    private static Map<HiddenParent, List<String>> hiddenNames(List<CompiledRule> protecting) {
        Map<HiddenParent, Set<String>> names = new HashMap<>();
        for (CompiledRule r : protecting) {
            if (r.effect() == Effect.DENY
                    && RuleCompiler.ENOENT.equals(r.errno())
                    && r.scope() instanceof Scope.Subtree(SharePath top)
                    && top.depth() > 0) {
                names.computeIfAbsent(
                                new HiddenParent(r.vm(), r.share(), top.prefix(top.depth() - 1)), k -> new TreeSet<>())
                        .add(top.segments().getLast());
            }
        }
        Map<HiddenParent, List<String>> out = new HashMap<>();
        names.forEach((dir, in) -> out.put(dir, List.copyOf(in)));
        return Map.copyOf(out);
    }

    /**
     * Loads, validates and compiles a policy file and its Cedar files.
     *
     * @throws PolicyLoadException naming file, line and column of the first problem
     */
    public static PolicyEngine load(Path file) throws PolicyLoadException {
        PolicyFile policy = PolicyParser.parse(file);
        PolicyValidator.validate(policy);
        List<CompiledRule> rules = RuleCompiler.compile(policy);
        CedarPolicySetBuilder builder =
                new CedarPolicySetBuilder().from(policy.source()).addCompiled(rules);
        for (Path cedarFile : policy.cedarFiles()) builder.addFile(cedarFile);
        CedarEvaluator cedar = builder.build();
        return new PolicyEngine(
                policy,
                rules,
                builder.handWrittenSubtrees(),
                cedar,
                !policy.cedarFiles().isEmpty(),
                digest(policy));
    }

    /**
     * Decides a request; a rename or link is allowed only if both its paths are, a link, symlink or mknod
     * only if its new name may also be created, a link or rename only if its new name allows nothing on the file
     * that its current name refuses ({@link #widening}), and a rename only if neither path is an ancestor of a
     * protected scope (see {@link #renameAcrossProtection}). Never throws: if Cedar itself fails, the
     * answer is a denial with EIO (fail closed).
     */
    public PolicyDecision decide(DecisionRequest request) {
        return decide(request, decider);
    }

    /** Decides with Cedar regardless of the fast path (the reference; used by explain and tests). */
    public PolicyDecision decideWithCedar(DecisionRequest request) {
        return decide(request, cedar);
    }

    private PolicyDecision decide(DecisionRequest request, PathEvaluator evaluator) {
        return renameAcrossProtection(request, widening(request, combine(request, evaluator), evaluator));
    }

    /**
     * What a name lets a guest do to the file itself, rather than to the directory around it. READDIR lists the
     * renamed directory itself: without it, renaming an unlistable {@code /inbox} made its names listable.
     */
    private static final Set<OpKind> ON_THE_FILE = EnumSet.of(
            OpKind.WALK,
            OpKind.READDIR,
            OpKind.OPEN_READ,
            OpKind.OPEN_WRITE,
            OpKind.SETATTR,
            OpKind.XATTR_READ,
            OpKind.XATTR_WRITE,
            OpKind.GETATTR,
            OpKind.LOCK,
            OpKind.READLINK);

    /**
     * Rules decide names, and a hard link adds one while a rename swaps one: linking {@code run.sh} (no writes) as
     * {@code run.txt} made the script writable through the new name, and moving a letter out of a no-read drop box
     * made it readable (renaming the box itself was already refused, see {@link #renameAcrossProtection}). So a link
     * or rename is refused (EACCES, naming the rules that refuse it at its current name) when the new name would
     * allow something on the file that its current name refuses; a name with fewer rights is fine. Hidden and
     * read-only sources never get here: LINK and RENAME themselves are refused there.
     */
    private static PolicyDecision widening(DecisionRequest request, PolicyDecision decided, PathEvaluator evaluator) {
        if (!request.op().hasDestination() || !decided.allowed()) return decided;
        Set<String> ids = new TreeSet<>();
        boolean widens = false;
        for (OpKind op : ON_THE_FILE) {
            Verdict now = evaluator.evaluate(
                    new PathQuestion(request.vm(), request.share(), op, request.path(), request.uid(), request.gid()));
            if (now.allowed()) continue;
            Verdict renamed = evaluator.evaluate(new PathQuestion(
                    request.vm(), request.share(), op, request.destination(), request.uid(), request.gid()));
            if (renamed.allowed()) {
                widens = true;
                ids.addAll(now.ruleIds());
            }
        }
        return widens ? PolicyDecision.deny(RuleCompiler.EACCES, new ArrayList<>(ids)) : decided;
    }

    /**
     * Rules decide paths, so renaming a directory above a hidden, read-only or deny scope would carry
     * its content out of the rule's reach, and renaming onto such an ancestor would plant content in
     * it (R-POL-3, R-POL-4). A directory moved from below a {@code **} glob's fixed prefix is refused where it
     * would carry a match out of the glob ({@link MovedDirectory}). Checked on the compiled rules after either
     * evaluator, so the fast path and Cedar give the same answer; an evaluator's own denial (ENOENT for a hidden
     * source) comes first.
     */
    private PolicyDecision renameAcrossProtection(DecisionRequest request, PolicyDecision decided) {
        if (request.op() != OpKind.RENAME || !decided.allowed()) return decided;
        Set<String> ids =
                new TreeSet<>(ProtectedBelow.ruleIds(protecting, request.vm(), request.share(), request.path()));
        ids.addAll(ProtectedBelow.ruleIds(protecting, request.vm(), request.share(), request.destination()));
        if (request.directory()) {
            ids.addAll(MovedDirectory.ruleIds(
                    protecting, request.vm(), request.share(), request.path(), request.destination()));
        }
        return ids.isEmpty() ? decided : PolicyDecision.deny(RuleCompiler.EACCES, new ArrayList<>(ids));
    }

    /**
     * Whether a directory entry may be listed: entries whose walk would fail with ENOENT (hidden
     * subtrees) are left out of readdir (R-POL-4). uid/gid matter only to hand-written Cedar.
     */
    public boolean visible(String vm, String share, SharePath path, long uid, long gid) {
        if (!hasShare(vm, share)) return false;
        Verdict v = decider.evaluate(new PathQuestion(vm, share, OpKind.WALK, path, uid, gid));
        return v.allowed() || !RuleCompiler.ENOENT.equals(v.errno());
    }

    /**
     * The names directly in {@code dir} that a hidden subtree (or a hand-written ENOENT forbid of a directory or file)
     * has as its top, sorted: where a directory's rmdir and link count must not depend on hidden content (R-POL-4).
     * Whether one is hidden from a given guest is {@link #visible}'s to say; hiding by a hand-written condition
     * on other attributes is not among them.
     */
    public List<String> hiddenNamesIn(String vm, String share, SharePath dir) {
        return hiddenNames.getOrDefault(new HiddenParent(vm, share, dir), List.of());
    }

    /**
     * Whether {@link #hiddenNamesIn} names anything in any directory of the VM's share: if not, a directory's link
     * count and rmdir need not ask it, directory by directory (most shares hide nothing). Computed at load.
     */
    public boolean hidesNamesIn(String vm, String share) {
        return hidingShares.getOrDefault(vm, Set.of()).contains(share);
    }

    /**
     * Whether any request of the VM in its share may be decided differently at two paths (a hidden or read-only
     * subtree, a rule with paths, hand-written Cedar): if not, where a file is does not matter to its decisions.
     * Computed at load.
     */
    public boolean decidesByPath(String vm, String share) {
        return handWritten || pathScopedShares.contains(List.of(vm, share));
    }

    /**
     * Default deny comes first: a VM or share the YAML does not declare gets nothing, whatever
     * hand-written Cedar says, and a guest-chosen attach name never reaches Cedar as an entity id.
     */
    private PolicyDecision combine(DecisionRequest request, PathEvaluator evaluator) {
        if (!hasShare(request.vm(), request.share())) return PolicyDecision.deny(RuleCompiler.EACCES, List.of());
        List<PathQuestion> qs = request.questions();
        if (qs.size() == 1) {
            Verdict v = evaluator.evaluate(qs.getFirst());
            return v.allowed() ? PolicyDecision.allow(v.ruleIds()) : PolicyDecision.deny(v.errno(), v.ruleIds());
        }
        Set<String> allowIds = new TreeSet<>();
        Set<String> denyIds = new TreeSet<>();
        Set<String> errnos = new HashSet<>();
        for (PathQuestion q : qs) {
            Verdict v = evaluator.evaluate(q);
            if (v.allowed()) {
                allowIds.addAll(v.ruleIds());
            } else {
                denyIds.addAll(v.ruleIds());
                errnos.add(v.errno());
            }
        }
        return errnos.isEmpty()
                ? PolicyDecision.allow(new ArrayList<>(allowIds))
                : PolicyDecision.deny(Errnos.strongest(errnos), new ArrayList<>(denyIds));
    }

    private boolean hasShare(String vm, String share) {
        VmPolicy v = policy.vms().get(vm);
        return v != null && v.shares().containsKey(share);
    }

    /**
     * The VM a listener belongs to, for the listeners that alone say who is on the other end (a Unix socket, a
     * plain TCP listener: matched by what is bound); empty for a listener no VM owns and for shared ones (TLS,
     * vsock), where the certificate or the CID decides (R-DEP-1).
     */
    public Optional<String> vmFor(ListenerSpec listener) {
        if (listener instanceof ListenerSpec.Tls || listener instanceof ListenerSpec.Vsock) return Optional.empty();
        return policy.vms().values().stream()
                .filter(vm -> vm.listen().getClass() == listener.getClass()
                        && vm.listen().bindKey().equals(listener.bindKey()))
                .map(VmPolicy::id)
                .findFirst();
    }

    /** Every VM's listener, for the gateway to open. */
    public Map<String, ListenerSpec> listeners() {
        Map<String, ListenerSpec> out = new TreeMap<>();
        policy.vms().values().forEach(vm -> out.put(vm.id(), vm.listen()));
        return out;
    }

    /** The VM's id mapping; {@link IdMap#NOBODY} for an unknown VM. */
    public IdMap idMap(String vm) {
        VmPolicy v = policy.vms().get(vm);
        return v == null ? IdMap.NOBODY : v.ids();
    }

    /** The VM's quotas over all its shares. */
    public List<QuotaSpec> quotas(String vm) {
        VmPolicy v = policy.vms().get(vm);
        if (v == null) return List.of();
        return v.shares().values().stream().flatMap(s -> s.quotas().stream()).toList();
    }

    /** The host directory behind a VM's share (its attach name); empty if the VM has no such share. */
    public Optional<Path> shareDir(String vm, String share) {
        return Optional.ofNullable(policy.vms().get(vm))
                .map(v -> v.shares().get(share))
                .map(SharePolicy::hostDir);
    }

    public PolicyFile policy() {
        return policy;
    }

    public List<CompiledRule> rules() {
        return rules;
    }

    /** Whether decisions come from the fast evaluator (no hand-written Cedar). */
    public boolean usesFastPath() {
        return decider instanceof FastEvaluator;
    }

    /** SHA-256 of the YAML and its Cedar files, hex: what the audit log records at (re)load (R-AUD-1). */
    public String digest() {
        return digest;
    }

    private static String digest(PolicyFile policy) throws PolicyLoadException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(PolicyFileText.bytes(policy.source()));
            for (Path p : policy.cedarFiles()) md.update(PolicyFileText.bytes(p));
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new PolicyLoadException(new SourcePos(policy.source(), 0, 0), IoReason.of(e));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
