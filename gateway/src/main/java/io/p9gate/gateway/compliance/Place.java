package io.p9gate.gateway.compliance;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where the suite may write in a share: a scratch directory of its own (made, then removed with all it holds),
 * or, where the policy lets this VM create files but no directories, names of its own in an existing
 * directory (each removed again). Every name carries the run's token, so nothing the suite makes can be
 * mistaken for, or collide with, what was there.
 *
 * @param dir        the directory the probes' entries go in
 * @param scratch    whether {@code dir} is the suite's own directory (to be made first, removed last)
 * @param namePattern for a place without its own directory: the last segment of the allow rule's glob that
 *                   the names must match (its first {@code *} becomes the name), else null
 */
record Place(SharePath dir, boolean scratch, String token, String namePattern) {

    /** A name for an entry the suite makes here, unique to this run and to {@code label}. */
    String name(String label) {
        if (namePattern == null) {
            return label;
        }
        int star = namePattern.indexOf('*');
        return namePattern.substring(0, star) + token + "-" + label
                + namePattern.substring(star + 1).replace("*", "");
    }

    /** The directory that holds what the suite made here: the scratch directory's parent, else the place itself. */
    SharePath holder() {
        return scratch ? dir.prefix(dir.depth() - 1) : dir;
    }

    SharePath path(String label) {
        return dir.child(name(label));
    }

    String describe() {
        return scratch ? "scratch directory " + dir : "names like " + path("x") + " in " + dir;
    }

    /**
     * Finds a place in a share: the first candidate directory (in the order given) where the policy lets this
     * VM make the scratch directory, or files of an allow rule's pattern, and write, read and remove them.
     *
     * @param candidates existing directories, most preferred first
     * @param allowed    which candidate paths this search may use (e.g. those inside one quota's scope)
     */
    static Optional<Place> find(
            Oracle oracle, String share, List<SharePath> candidates, String token, Predicate<SharePath> allowed) {
        for (SharePath parent : candidates) {
            SharePath dir = parent.child(token);
            Place scratch = new Place(dir, true, token, null);
            if (allowed.test(dir)
                    && oracle.decide(share, OpKind.MKDIR, dir).allowed()
                    && oracle.decide(share, OpKind.REMOVE, dir).allowed()
                    && oracle.walk(share, SharePath.ROOT, dir.segments()).allowed()
                    && usable(oracle, share, scratch)) {
                return Optional.of(scratch);
            }
            for (String pattern : filePatterns(oracle, share, parent)) {
                Place names = new Place(parent, false, token, pattern);
                if (allowed.test(names.path("x"))
                        && oracle.walk(share, SharePath.ROOT, parent.segments()).allowed()
                        && usable(oracle, share, names)) {
                    return Optional.of(names);
                }
            }
        }
        return Optional.empty();
    }

    /** The policy lets the VM create, write, read, walk to and remove a file here. */
    private static boolean usable(Oracle oracle, String share, Place place) {
        SharePath file = place.path("probe");
        return oracle.decide(share, OpKind.CREATE, file).allowed()
                && oracle.decide(share, OpKind.OPEN_WRITE, file).allowed()
                && oracle.decide(share, OpKind.OPEN_READ, file).allowed()
                && oracle.decide(share, OpKind.REMOVE, file).allowed()
                && oracle.decide(share, OpKind.WALK, file).allowed();
    }

    /** Last segments with a {@code *} of the share's rule globs that can name a file directly in {@code parent}. */
    private static Set<String> filePatterns(Oracle oracle, String share, SharePath parent) {
        Set<String> out = new LinkedHashSet<>();
        oracle.engine()
                .policy()
                .vms()
                .get(oracle.vm())
                .shares()
                .get(share)
                .rules()
                .forEach(rule -> {
                    for (PathPattern glob : rule.paths()) {
                        List<String> segments = new ArrayList<>(glob.prefix());
                        segments.addAll(glob.suffix());
                        String last = segments.isEmpty() ? null : segments.getLast();
                        if (last != null
                                && last.contains("*")
                                && glob.matches(parent.child(new Place(parent, false, "t", last).name("x")))) {
                            out.add(last);
                        }
                    }
                });
        return out;
    }
}
