package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Qid;
import io.p9gate.policy.model.Access;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.HostPermissions;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Every check of one share of one VM, in order: what the VM sees (before), the suite's place, read-only and
 * hidden subtrees, rules, the operations allowed in the place, ids, confinement, quotas, removal of what the
 * suite made, and what the VM sees after (nothing outside the place changed).
 */
final class ShareRun {
    private final VmRun vm;
    private final SharePolicy policy;
    private final int root;
    private final Qid rootQid;
    private final String prefix;
    /** Directories whose own mtime the suite changes by making and removing its entries in them. */
    private final Set<SharePath> touched = new LinkedHashSet<>();

    ShareRun(VmRun vm, SharePolicy policy, int root, Qid rootQid) {
        this.vm = vm;
        this.policy = policy;
        this.root = root;
        this.rootQid = rootQid;
        this.prefix = vm.name() + "/" + policy.name();
    }

    void run() throws IOException {
        CheckLog log = vm.log();
        GuestSession session = vm.session();
        String share = policy.name();
        log.say("  share " + share + " (" + policy.hostDir() + ")");
        session.begin(prefix + "/view");
        ShareView before =
                ShareView.discover(session, root, starts(), vm.options().maxEntries(), vm.token());
        viewCheck(before);
        Optional<Place> place =
                Place.find(session.oracle(), share, candidates(before, p -> true), vm.token(), p -> true);
        place.ifPresent(this::touch);
        Optional<StopCleanup.Made> made = place.map(p -> vm.made(share, p));
        PlaceChecks places = new PlaceChecks(log, session, root, share, prefix + "/place");
        Optional<Probing.OwnPlace> own = place.isPresent() ? places.prepare(place.get()) : Optional.empty();
        Probing probing = new Probing(session, root, share, before, own, vm.token(), p -> false, touched);
        try {
            subtrees(probing);
            List<SharePath> preferred = own.map(o -> List.of(o.place().dir())).orElse(List.of());
            for (Rule rule : policy.rules()) {
                RuleChecks.run(log, probing, prefix + "/rule", rule, preferred);
            }
            // After the suite's own uid: a probe a broken gateway lets through may strand the suite's file, and the
            // --uid checks are the ones named first in the report.
            asAnotherUser(before, own);
            vm.replay(policy, before, own, prefix + "/case", touched);
            if (policy.permissions() == HostPermissions.ENFORCE) {
                PermissionChecks.run(vm, policy, root, own, prefix + "/place/permissions");
            }
            if (own.isPresent()) {
                places.allowedOps(own.get());
                ConfinementChecks.symlinks(log, probing, prefix + "/confinement");
                vm.idsOnce(probing, prefix + "/place");
            }
            ConfinementChecks.dotDot(log, probing, prefix + "/confinement", rootQid);
            IdChecks.existing(log, probing, prefix, vm.host(policy));
            quotas(probing, before);
        } finally {
            // A place whose removal failed (the connection broke) stays listed: the run's end tries it again.
            if (place.isPresent() && removePlace(place.get())) {
                made.ifPresent(vm::removed);
            }
        }
        unchanged(before);
    }

    /** The share root and the places the policy names: reachable even where the root cannot be listed. */
    private List<SharePath> starts() {
        Set<SharePath> out = new LinkedHashSet<>();
        out.add(SharePath.ROOT);
        for (Rule rule : policy.rules()) {
            for (PathPattern glob : rule.paths()) {
                List<String> fixed = new ArrayList<>();
                for (String seg : glob.prefix()) {
                    if (seg.contains("*")) {
                        break;
                    }
                    fixed.add(seg);
                }
                out.add(fixed.isEmpty() ? SharePath.ROOT : SharePath.of("/" + String.join("/", fixed)));
            }
        }
        policy.readOnly().forEach(t -> out.add(t.path()));
        policy.quotas().forEach(q -> out.add(q.subtree()));
        return List.copyOf(out);
    }

    private void viewCheck(ShareView view) {
        Attempt a = new Attempt(
                vm.log(),
                vm.session(),
                prefix + "/view",
                policy.name(),
                "R-POL-4",
                "walks, listings and reads of what the VM sees are answered as the policy says; listings leave hidden "
                        + "entries out");
        String counts = view.entries().size() + " entries, " + view.requests() + " requests"
                + (view.truncated()
                        ? " (stopped at --max-entries " + vm.options().maxEntries() + ")"
                        : "");
        if (view.mismatches().isEmpty()) {
            a.pass(counts);
        } else {
            a.fail(view.mismatches().size() + " answers differ from the policy (" + counts + "): "
                    + String.join(
                            "; ",
                            view.mismatches()
                                    .subList(0, Math.min(8, view.mismatches().size()))));
        }
    }

    /** Existing directories to put a place in, shallowest first; only those {@code allowed}. */
    private static List<SharePath> candidates(ShareView view, Predicate<SharePath> allowed) {
        List<SharePath> out = new ArrayList<>();
        if (allowed.test(SharePath.ROOT)) {
            out.add(SharePath.ROOT);
        }
        view.entries().values().stream()
                .filter(ShareView.Entry::isDirectory)
                .map(ShareView.Entry::path)
                .filter(p -> p.depth() > 0 && allowed.test(p))
                .sorted(Comparator.comparing(SharePath::depth).thenComparing(SharePath::toString))
                .forEach(out::add);
        return out;
    }

    private void subtrees(Probing probing) throws IOException {
        CheckLog log = vm.log();
        if (policy.access() == Access.READ_ONLY) {
            SubtreeChecks.readOnly(log, probing, prefix + "/access-read-only", SharePath.ROOT, "access: read-only");
        }
        for (int i = 0; i < policy.readOnly().size(); i++) {
            Subtree t = policy.readOnly().get(i);
            SubtreeChecks.readOnly(log, probing, prefix + "/read-only[" + i + "]", t.path(), "read-only " + t.path());
        }
        for (int i = 0; i < policy.hidden().size(); i++) {
            SubtreeChecks.hidden(
                    log, probing, prefix + "/hidden[" + i + "]", policy.hidden().get(i), vm.host(policy));
        }
    }

    /**
     * The read-only and hidden subtrees and the deny rules again as a second guest user, one the map makes an ordinary
     * host user: they bind every guest user, and a gateway that enforced one for the suite's --uid only (guest root by
     * default) but not for the VM's applications passed every check (ComplianceMutantsTest). Allow rules are not: as
     * another user the host's own permissions may refuse what they allow. Skipped, saying why, where the map has no
     * such user, that user's connection is refused (SecondUserRefusedComplianceTest) or it cannot attach the share.
     */
    private void asAnotherUser(ShareView view, Optional<Probing.OwnPlace> own) throws IOException {
        List<Rule> denies =
                policy.rules().stream().filter(r -> r.effect() == Effect.DENY).toList();
        if (policy.readOnly().isEmpty()
                && policy.access() != Access.READ_ONLY
                && policy.hidden().isEmpty()
                && denies.isEmpty()) {
            return;
        }
        // Two guest users the map tells apart where it has them; a map that squashes every uid still takes another
        // guest uid to the policy (its rules may name guest uids).
        int uid;
        int gid;
        switch (GuestUsers.of(vm.session().oracle().engine().idMap(vm.name()))) {
            case GuestUsers.None none -> {
                uid = vm.options().uid() == 1000 ? 1001 : 1000;
                gid = (int) Oracle.NO_GID;
            }
            case GuestUsers.Found found -> {
                GuestUsers users = found.users();
                uid = users.uidA() != vm.options().uid() ? users.uidA() : users.uidB();
                gid = users.gidA();
            }
        }
        VmRun.IdSession as;
        try {
            as = vm.sessionAs(uid, gid);
        } catch (IOException e) {
            // One more connection of the VM's: where its limits.connections is reached (a live guest mount), the
            // gateway closes it at accept. The share's other checks still run on the main session.
            skipAnotherUser("cannot open a session as uid " + uid + " (the VM's limits.connections may be reached): "
                    + e.getMessage());
            return;
        }
        try {
            Step root = as.root(policy.name(), vm);
            if (root == null || !root.ok()) {
                skipAnotherUser("cannot attach " + policy.name() + " as uid " + uid + ": "
                        + (root == null ? "connection failed" : root.reply().describe()));
                return;
            }
            Probing probing =
                    new Probing(as.session(), root.newFid(), policy.name(), view, own, vm.token(), p -> false, touched);
            readOnlyAs(probing, uid);
            for (int i = 0; i < policy.hidden().size(); i++) {
                SubtreeChecks.hidden(
                        vm.log(),
                        probing,
                        prefix + "/hidden[" + i + "]/as-uid-" + uid,
                        policy.hidden().get(i),
                        vm.host(policy));
            }
            List<SharePath> preferred = own.map(o -> List.of(o.place().dir())).orElse(List.of());
            for (Rule rule : denies) {
                RuleChecks.run(vm.log(), probing, prefix + "/rule", rule, preferred, "uid-" + uid);
            }
        } finally {
            vm.closeSessionAs(uid, gid);
        }
    }

    private void readOnlyAs(Probing probing, int uid) throws IOException {
        for (int i = 0; i < policy.readOnly().size(); i++) {
            Subtree t = policy.readOnly().get(i);
            SubtreeChecks.readOnly(
                    vm.log(),
                    probing,
                    prefix + "/read-only[" + i + "]/as-uid-" + uid,
                    t.path(),
                    "read-only " + t.path() + " as guest uid " + uid);
        }
        if (policy.access() == Access.READ_ONLY) {
            SubtreeChecks.readOnly(
                    vm.log(),
                    probing,
                    prefix + "/access-read-only/as-uid-" + uid,
                    SharePath.ROOT,
                    "access: read-only as guest uid " + uid);
        }
    }

    private void skipAnotherUser(String why) {
        new Attempt(
                        vm.log(),
                        vm.session(),
                        prefix + "/as-another-user",
                        policy.name(),
                        "R-POL-3",
                        "read-only and hidden subtrees and deny rules as a second guest user")
                .skip(why);
    }

    /** Each quota probed in a place inside its scope and outside any narrower quota within it. */
    private void quotas(Probing probing, ShareView view) throws IOException {
        QuotaChecks checks = new QuotaChecks(vm.log(), probing, vm.options().maxCreates(), policy.quotas());
        for (int i = 0; i < policy.quotas().size(); i++) {
            QuotaSpec q = policy.quotas().get(i);
            Predicate<SharePath> inScope = p -> p.isWithin(q.subtree())
                    && policy.quotas().stream()
                            .noneMatch(o -> o != q
                                    && o.subtree().isWithin(q.subtree())
                                    && !o.subtree().equals(q.subtree())
                                    && p.isWithin(o.subtree()));
            String token = vm.token() + "-q" + i;
            Optional<Place> place = Place.find(
                    vm.session().oracle(),
                    policy.name(),
                    candidates(view, p -> p.isWithin(q.subtree())),
                    token,
                    inScope);
            place.ifPresent(this::touch);
            Optional<StopCleanup.Made> made = place.map(p -> vm.made(policy.name(), p));
            checks.run(q, prefix + "/quota[" + i + "]", place.orElse(null));
            made.ifPresent(vm::removed);
        }
    }

    private void touch(Place place) {
        touched.add(place.holder());
    }

    /**
     * Removes the suite's place with everything in it; a check says whether anything is left.
     *
     * @return whether nothing is left
     */
    private boolean removePlace(Place place) {
        SharePath holder = place.holder();
        Attempt a = new Attempt(
                vm.log(),
                vm.session(),
                prefix + "/cleanup",
                policy.name(),
                "R-COMP-1",
                "the suite removes everything it made in " + holder);
        try {
            Cleanup cleanup = new Cleanup(vm.session(), root, vm.token());
            List<String> failures = cleanup.removeIn(holder);
            List<String> left = cleanup.leftIn(holder);
            if (left.isEmpty()) {
                a.pass("");
                return true;
            }
            a.fail("left in " + holder + ": " + String.join(", ", left)
                    + (failures.isEmpty() ? "" : " (" + String.join("; ", failures) + ")"));
        } catch (IOException e) {
            a.fail("cannot remove what the suite made: " + e.getMessage()
                    + "; tried again over a new connection at the end of the run");
        }
        return false;
    }

    /** What the VM sees now is what it saw before, except the mtimes of directories the suite's places were in. */
    private void unchanged(ShareView before) throws IOException {
        vm.session().begin(prefix + "/view"); // what a walk or listing shows is the view check's business
        ShareView after =
                ShareView.discover(vm.session(), root, starts(), vm.options().maxEntries(), vm.token());
        Attempt a = new Attempt(
                vm.log(),
                vm.session(),
                prefix + "/unchanged",
                policy.name(),
                "R-COMP-1",
                "nothing the VM can see changed, apart from the suite's own entries");
        List<String> changed = new ArrayList<>();
        before.entries().forEach((path, entry) -> {
            ShareView.Entry now = after.entries().get(path);
            if (now == null) {
                if (!after.truncated()) {
                    changed.add(path + " is gone");
                }
            } else if (!now.fingerprint().equals(entry.fingerprint())
                    && !(touched.contains(path) && now.isDirectory() && entry.isDirectory())) {
                changed.add(path + " changed (" + entry.fingerprint() + " -> " + now.fingerprint() + ")");
            }
        });
        if (!before.truncated()) {
            after.entries().keySet().stream()
                    .filter(p -> !before.entries().containsKey(p))
                    .forEach(p -> changed.add(p + " is new"));
        }
        if (changed.isEmpty()) {
            a.pass(before.entries().size() + " entries compared");
        } else {
            a.fail(changed.size() + " changes: " + String.join("; ", changed.subList(0, Math.min(8, changed.size()))));
        }
    }
}
