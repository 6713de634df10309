package io.p9gate.policy.lint;

import io.p9gate.policy.load.PolicyFileText;
import io.p9gate.policy.model.Access;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds rules that cannot have the effect they seem to have (R-POL-8): rules shadowed by hidden or
 * read-only subtrees or by the share's access, nested duplicate subtrees, allow/deny pairs on the same
 * paths, quotas in hidden places, paths written as host paths (outside the share) or missing from an
 * existing share directory, share directories and socket or peer accounts missing on this host
 * ({@link UnknownHostAccounts}), two VMs' sockets that are one file here ({@link SameSocketFile}), hidden subtrees another VM may change
 * ({@link HiddenFromOtherWriters}), and VMs that share host ids where one may write what the other reads
 * ({@link SharedHostIds}), and an overflow id that is one of the VM's own guest ids ({@link OwnerOverflowIds}).
 */
public final class Linter {

    private final List<LintFinding> out = new ArrayList<>();

    private Linter() {}

    public static List<LintFinding> lint(PolicyFile policy) {
        Linter l = new Linter();
        if (policy.vms().isEmpty()) { // at the file's first line: it has no 'vms:' to point at, or an empty one
            l.out.add(new LintFinding(
                    new SourcePos(policy.source(), 1, 1),
                    "the policy names no VM: serve refuses to start with it (nothing to listen for)"));
        }
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.shares().isEmpty())
                l.out.add(new LintFinding(vm.pos(), "VM '" + vm.id() + "' has no shares: it can attach to nothing"));
            for (SharePolicy s : vm.shares().values()) l.share(s);
        }
        l.out.addAll(HiddenFromOtherWriters.in(policy));
        l.out.addAll(SharedHostIds.in(policy));
        l.out.addAll(UnknownHostAccounts.in(policy));
        l.out.addAll(SameSocketFile.in(policy));
        l.out.addAll(OwnerOverflowIds.in(policy));
        for (Path cedar : policy.cedarFiles()) {
            try {
                String text = PolicyFileText.text(cedar);
                List<HandWrittenPermit> permits =
                        HandWrittenPermit.in(cedar.getFileName().toString(), text);
                l.out.addAll(UnconditionalPermits.in(cedar, text, permits));
                l.out.addAll(WiderPermits.in(policy, cedar, text, permits));
            } catch (IOException e) {
                // loading the policy read it a moment ago; the load error, not a lint finding, is the report
            }
        }
        return List.copyOf(l.out);
    }

    private void share(SharePolicy s) {
        if (!Files.isDirectory(s.hostDir())) {
            // A path that is there but no directory (a file) is not fixed by the mkdir the
            // missing directory asks for.
            String what = Files.exists(s.hostDir())
                    ? s.hostDir() + " is not a directory but a file"
                    : "directory " + s.hostDir() + " does not exist on this host";
            out.add(new LintFinding(s.pos(), "share '" + s.name() + "': " + what, true));
        }
        if (s.access() == Access.NONE && s.rules().stream().noneMatch(r -> r.effect() == Effect.ALLOW)) {
            out.add(new LintFinding(
                    s.pos(),
                    "share '" + s.name() + "' has access none and no allow rule: the VM can do nothing in it"));
        }
        nested(s.readOnly(), "read-only");
        nested(s.hidden(), "hidden");
        for (Subtree h : s.hidden()) {
            for (Subtree ro : s.readOnly()) {
                if (h.path().isWithin(ro.path())) {
                    out.add(new LintFinding(
                            h.pos(),
                            h.id() + " " + h.path() + " lies inside read-only " + ro.path()
                                    + ": hiding already refuses everything there"));
                } else if (ro.path().isWithin(h.path())) {
                    out.add(new LintFinding(
                            ro.pos(),
                            ro.id() + " " + ro.path() + " lies inside hidden " + h.path()
                                    + ": it can never take effect"));
                }
            }
        }
        for (Subtree t : s.readOnly()) outside(s, t.path().segments(), t.pos(), t.id() + " " + t.path());
        for (Subtree t : s.hidden()) outside(s, t.path().segments(), t.pos(), t.id() + " " + t.path());
        for (Rule r : s.rules()) {
            for (PathPattern p : r.paths()) outside(s, literalPrefix(p), r.pos(), r.id() + " path " + p);
            rule(s, r);
        }
        overlaps(s);
        for (QuotaSpec q : s.quotas()) {
            for (Subtree h : s.hidden()) {
                if (q.subtree().isWithin(h.path())) {
                    out.add(new LintFinding(
                            s.pos(),
                            q.id() + " on " + q.subtree() + " lies inside hidden " + h.path()
                                    + ": the VM can never write there"));
                }
            }
        }
    }

    private void nested(List<Subtree> subtrees, String what) {
        for (Subtree a : subtrees) {
            for (Subtree b : subtrees) {
                if (a != b
                        && a.path().isWithin(b.path())
                        && (!a.path().equals(b.path()) || subtrees.indexOf(a) > subtrees.indexOf(b))) {
                    out.add(new LintFinding(
                            a.pos(), a.id() + " " + a.path() + " is already inside " + what + " " + b.path()));
                }
            }
        }
    }

    private void rule(SharePolicy s, Rule r) {
        for (PathPattern p : r.paths()) {
            Optional<Subtree> hiddenBy =
                    s.hidden().stream().filter(h -> covers(h.path(), p)).findFirst();
            if (hiddenBy.isPresent()) {
                out.add(new LintFinding(
                        r.pos(),
                        r.id() + " path " + p + " lies inside hidden "
                                + hiddenBy.get().path() + ": the rule is shadowed there"));
                continue;
            }
            if (r.effect() == Effect.ALLOW && OpKind.WRITES.containsAll(r.ops())) {
                boolean readOnlyShare = s.access() == Access.READ_ONLY;
                Optional<Subtree> roBy =
                        s.readOnly().stream().filter(t -> covers(t.path(), p)).findFirst();
                if (readOnlyShare || roBy.isPresent()) {
                    String where = readOnlyShare
                            ? "the read-only share"
                            : "read-only " + roBy.get().path();
                    out.add(new LintFinding(
                            r.pos(),
                            r.id() + " allows only writes on " + p + " inside " + where
                                    + ": it can never allow anything"));
                }
            }
        }
        if (r.effect() == Effect.ALLOW && s.access() == Access.READ_WRITE) {
            out.add(new LintFinding(r.pos(), r.id() + " allows what access: read-write already allows"));
        }
        if (r.effect() == Effect.ALLOW && s.access() == Access.READ_ONLY && OpKind.READS.containsAll(r.ops())) {
            out.add(new LintFinding(r.pos(), r.id() + " allows only reads, which access: read-only already allows"));
        }
    }

    /** Allow and deny rules naming the same pattern for common operations: the deny always wins there. */
    private void overlaps(SharePolicy s) {
        List<Rule> rules = s.rules();
        for (int i = 0; i < rules.size(); i++) {
            for (int j = i + 1; j < rules.size(); j++) {
                Rule a = rules.get(i);
                Rule b = rules.get(j);
                if (a.ops().stream().noneMatch(b.ops()::contains)) continue;
                for (PathPattern p : a.paths()) {
                    if (b.paths().contains(p)) {
                        String what = a.effect() == b.effect() ? "repeats" : "conflicts with (deny wins)";
                        out.add(new LintFinding(
                                b.pos(), b.id() + " " + what + " " + a.id() + " on " + p + " for common operations"));
                    }
                }
            }
        }
    }

    /**
     * Paths are share-relative; one that repeats the share's host directory was almost certainly
     * written as a host path and lies outside the share. Where the share directory exists, a literal
     * path missing from it is reported too (it may be created later, hence only a warning).
     */
    private void outside(SharePolicy s, List<String> literal, io.p9gate.policy.model.SourcePos pos, String what) {
        List<String> host = new ArrayList<>();
        s.hostDir().forEach(seg -> host.add(seg.toString()));
        if (!host.isEmpty()
                && literal.size() >= host.size()
                && literal.subList(0, host.size()).equals(host)) {
            out.add(new LintFinding(
                    pos,
                    what + " repeats the host directory " + s.hostDir() + ": paths are relative to the share root"));
            return;
        }
        if (Files.isDirectory(s.hostDir()) && !literal.isEmpty()) {
            Path p = s.hostDir().resolve(String.join("/", literal));
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(new LintFinding(pos, what + ": " + p + " does not exist in the share (yet)", true));
            }
        }
    }

    /** The leading segments of a pattern up to its first wildcard. */
    private static List<String> literalPrefix(PathPattern p) {
        List<String> literal = new ArrayList<>();
        for (String seg : p.prefix()) {
            if (seg.indexOf('*') >= 0) break;
            literal.add(seg);
        }
        return literal;
    }

    /** Whether every path the pattern matches lies within {@code top}: its literal leading segments do. */
    static boolean covers(SharePath top, PathPattern p) {
        List<String> literal = literalPrefix(p);
        if (literal.size() < top.depth()) return false;
        return literal.subList(0, top.depth()).equals(top.segments());
    }
}
